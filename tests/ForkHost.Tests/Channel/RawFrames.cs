using System.Runtime.InteropServices;

namespace ForkHost.Tests.Channel;

/// <summary>Writes bytes to a channel as one SEQPACKET message, bypassing the codec: how a misbehaving peer is played.</summary>
internal static class RawFrames
{
    public static unsafe void Send(int fd, byte[] bytes)
    {
        fixed (byte* data = bytes)
        {
            var vector = new Interop.Libc.IoVec { Base = data, Length = (nuint)bytes.Length };
            var header = new Interop.Libc.MessageHeader { IoVectors = &vector, IoVectorCount = 1 };
            Assert.True(Interop.Libc.SendMsg(fd, &header, 0) >= 0, $"sendmsg failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
