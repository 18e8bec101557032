using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // fcntl is variadic in C; a fixed third int argument is passed the same way on x86-64 and arm64 Linux.
        [LibraryImport(LibraryName, EntryPoint = "fcntl", SetLastError = true)]
        internal static partial int Fcntl(int fd, int command, int argument);
    }
}
