using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // .NET has no umask: a socket file takes its mode from it at bind(2), before any chmod could run.
        [LibraryImport(LibraryName, EntryPoint = "umask")]
        internal static partial uint Umask(uint mask);
    }
}
