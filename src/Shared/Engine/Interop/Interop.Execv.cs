using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // forkhost hands its lab commands to forkhost-lab by replacing itself: same pid, same stdio, signals reach the
        // lab directly. Returns only on failure. argv ends with a null element.
        [LibraryImport(LibraryName, EntryPoint = "execv", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Execv(string path, string?[] argv);
    }
}
