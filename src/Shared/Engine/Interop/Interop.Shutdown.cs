using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(LibraryName, EntryPoint = "shutdown", SetLastError = true)]
        internal static partial int Shutdown(int fd, int how);
    }
}
