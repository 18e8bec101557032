using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// Who is at the other end of a unix socket, as the kernel recorded it at connect(2) (SO_PEERCRED): it cannot be
/// forged by the peer, unlike anything the peer sends.
/// </summary>
internal readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    /// <summary>struct ucred: pid_t, uid_t, gid_t, 32 bits each on Linux.</summary>
    private const int UcredSize = 12;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> ucred = stackalloc byte[UcredSize];
        int length = socket.GetRawSocketOption(Interop.SocketOptions.SOL_SOCKET, Interop.SocketOptions.SO_PEERCRED, ucred);
        if (length < UcredSize)
            throw new SocketException((int)SocketError.ProtocolOption);
        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }
}
