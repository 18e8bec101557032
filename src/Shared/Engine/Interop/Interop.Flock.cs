using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>flock(2)'s operations, Linux's values.</summary>
        [Flags]
        internal enum FlockOperations
        {
            LOCK_SH = 1,
            LOCK_EX = 2,
            LOCK_NB = 4,
            LOCK_UN = 8,
        }

        // An open file description's lock: released when the last descriptor on it closes, so also when its holder
        // dies, however it dies. Not inherited across exec (the descriptors are close-on-exec).
        [LibraryImport(LibraryName, EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(Microsoft.Win32.SafeHandles.SafeFileHandle fd, FlockOperations operation);
    }
}
