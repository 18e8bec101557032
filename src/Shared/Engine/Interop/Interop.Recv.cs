using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(LibraryName, EntryPoint = "recv", SetLastError = true)]
        internal static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);
    }
}
