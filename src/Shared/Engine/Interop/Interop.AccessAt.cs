using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int W_OK = 2;
        internal const int X_OK = 1;

        /// <summary>Check with the effective ids, as the process will open the file, rather than the real ones.</summary>
        internal const int AT_EACCESS = 0x200;

        // .NET cannot ask whether a directory is writable without writing to it; faccessat answers, read-only
        // file systems (EROFS) included, which root's permissions do not override.
        [LibraryImport(LibraryName, EntryPoint = "faccessat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int AccessAt(int dirfd, string path, int mode, int flags);
    }
}
