using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct IoVec
        {
            public void* Base;
            public nuint Length;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct MessageHeader
        {
            public void* Name;
            public uint NameLength;
            public IoVec* IoVectors;
            public nuint IoVectorCount;
            public void* Control;
            public nuint ControlLength;
            public int Flags;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct ControlMessageHeader
        {
            public nuint Length;
            public int Level;
            public int Type;
        }

        /// <summary>Bytes of ancillary data the kernel needs for <paramref name="dataLength"/> bytes (CMSG_SPACE).</summary>
        internal static int ControlMessageSpace(int dataLength) => sizeof(long) * 2 + Align(dataLength);

        /// <summary>Value of cmsg_len for <paramref name="dataLength"/> bytes of data (CMSG_LEN).</summary>
        internal static int ControlMessageLength(int dataLength) => sizeof(long) * 2 + dataLength;

        internal const int ControlMessageDataOffset = sizeof(long) * 2;

        private static int Align(int length) => (length + sizeof(long) - 1) & ~(sizeof(long) - 1);

        [LibraryImport(LibraryName, EntryPoint = "sendmsg", SetLastError = true)]
        internal static unsafe partial nint SendMsg(int fd, MessageHeader* message, int flags);
    }
}
