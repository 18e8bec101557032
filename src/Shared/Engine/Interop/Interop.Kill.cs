using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // Process.Kill only sends SIGKILL; graceful stops need SIGTERM.
        [LibraryImport(LibraryName, EntryPoint = "kill", SetLastError = true)]
        internal static partial int Kill(int pid, int signal);
    }
}
