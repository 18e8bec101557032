using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// A listening TCP socket's accept queue, as the kernel reports it in TCP_INFO: the first sign of saturation, since
/// connections wait there, handshake done, until a worker accepts them. Read on the HTTP thread at scrape time, from
/// sockets the arbiter owns: getsockopt is safe beside the owner, and a socket closed meanwhile is skipped.
/// </summary>
/// <param name="Address">The listener's address, as logged and as the status shows it.</param>
/// <param name="WorkerId">With --balance reuseport, the worker slot whose socket it is; otherwise null (one socket for all).</param>
internal sealed record ListenBacklog(string Address, int? WorkerId, long Depth, long Limit)
{
    /// <summary>Null for a socket that is not a listening TCP socket (a unix socket has no TCP_INFO) or was closed meanwhile.</summary>
    public static ListenBacklog? Read(string address, int? workerId, Socket socket)
    {
        Span<byte> buffer = stackalloc byte[Marshal.SizeOf<Interop.TcpInfo>()];
        try
        {
            int length = socket.GetRawSocketOption(Interop.SocketOptions.IPPROTO_TCP, Interop.SocketOptions.TCP_INFO, buffer);
            if (length < buffer.Length)
                return null;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return null;
        }
        Interop.TcpInfo info = MemoryMarshal.Read<Interop.TcpInfo>(buffer);
        return info.State == Interop.SocketOptions.TCP_LISTEN ? new ListenBacklog(address, workerId, info.Unacked, info.Sacked) : null;
    }
}
