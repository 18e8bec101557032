using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(LibraryName, EntryPoint = "send", SetLastError = true)]
        internal static unsafe partial nint Send(int fd, byte* buffer, nuint length, int flags);
    }
}
