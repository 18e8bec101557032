using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [StructLayout(LayoutKind.Sequential)]
        internal struct PollDescriptor
        {
            public int Descriptor;
            public short Events;
            public short ReturnedEvents;
        }

        [LibraryImport(LibraryName, EntryPoint = "poll", SetLastError = true)]
        internal static unsafe partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);
    }
}
