using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc applies it to every thread of the process (the runtime's included).
        [LibraryImport(LibraryName, EntryPoint = "setuid", SetLastError = true)]
        internal static partial int SetUserId(uint id);
    }
}
