using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int RLIMIT_NOFILE = 7;

        /// <summary>rlim_t is unsigned long: 64 bits on the 64-bit Linux targets ForkHost runs on.</summary>
        internal const ulong RLIM_INFINITY = ulong.MaxValue;

        [StructLayout(LayoutKind.Sequential)]
        internal struct ResourceLimit
        {
            public ulong Current;
            public ulong Maximum;
        }

        // .NET has no API for a process's resource limits; the descriptor limit decides how many connections fit.
        [LibraryImport(LibraryName, EntryPoint = "getrlimit", SetLastError = true)]
        internal static unsafe partial int GetRLimit(int resource, ResourceLimit* limit);
    }
}
