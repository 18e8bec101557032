using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(LibraryName, EntryPoint = "setgroups", SetLastError = true)]
        internal static unsafe partial int SetGroups(nuint count, uint* groups);
    }
}
