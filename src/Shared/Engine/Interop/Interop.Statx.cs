using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int AT_FDCWD = -100;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_MODE = 0x2;
        internal const uint STATX_UID = 0x8;
        internal const uint STATX_GID = 0x10;
        internal const int S_IFMT = 0xF000;
        internal const int S_IFDIR = 0x4000;

        /// <summary>The size of struct statx; unlike struct stat, its layout is the same on every architecture.</summary>
        internal const int StatxSize = 256;
        internal const int StatxUidOffset = 20;
        internal const int StatxGidOffset = 24;
        internal const int StatxModeOffset = 28;

        // .NET exposes neither a file's owner nor lstat; statx gives both without per-architecture struct layouts.
        [LibraryImport(LibraryName, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
    }
}
