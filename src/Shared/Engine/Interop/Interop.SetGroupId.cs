using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // glibc applies it to every thread of the process (the runtime's included).
        [LibraryImport(LibraryName, EntryPoint = "setgid", SetLastError = true)]
        internal static partial int SetGroupId(uint id);
    }
}
