using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>open(2)'s flags used here, Linux's values (x86-64 and arm64 agree).</summary>
        [Flags]
        internal enum OpenFlags
        {
            O_RDWR = 0x2,
            O_CREAT = 0x40,
            O_NOFOLLOW = 0x20000,
            O_CLOEXEC = 0x80000,
        }

        // Not File.OpenHandle: on Unix .NET takes a flock of its own on every file it opens (LOCK_SH, or LOCK_EX for
        // FileShare.None), which would make a lock file's flock mean something else. open is variadic in C; the mode,
        // a fixed third int, is passed the same way on x86-64 and arm64 Linux.
        [LibraryImport(LibraryName, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int Open(string path, OpenFlags flags, int mode);
    }
}
