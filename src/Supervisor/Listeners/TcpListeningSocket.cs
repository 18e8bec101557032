using System.Net;
using System.Net.Sockets;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// Creates every TCP listening socket the supervisor binds itself: the --bind sockets (<see cref="ListenerBinder"/>)
/// and the per-slot SO_REUSEPORT siblings (<see cref="SlotListeners"/>), so they are set up one way.
/// </summary>
internal static class TcpListeningSocket
{
    /// <summary>Binds and listens; a failure is the SocketException of the step that failed, with nothing left open.</summary>
    public static Socket Listen(IPEndPoint endPoint, int backlog, PortSharing sharing)
    {
        if (sharing == PortSharing.NewGroup && endPoint.Port != 0)
            EnsureNoOtherListener(endPoint);

        Socket socket = Create(endPoint, reusePort: sharing != PortSharing.Exclusive);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static Socket Create(IPEndPoint endPoint, bool reusePort)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // As gunicorn: a restarted supervisor can bind while old connections linger in TIME_WAIT. Set raw, because
            // .NET's SocketOptionName.ReuseAddress sets SO_REUSEPORT too on Linux, which lets a second server of the
            // same user bind the same port and silently take part of the traffic.
            socket.SetRawSocketOption(Interop.SocketOptions.SOL_SOCKET, Interop.SocketOptions.SO_REUSEADDR, BitConverter.GetBytes(1));
            if (reusePort)
                socket.SetRawSocketOption(Interop.SocketOptions.SOL_SOCKET, Interop.SocketOptions.SO_REUSEPORT, BitConverter.GetBytes(1));
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
                socket.DualMode = false;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Linux lets any socket of the same effective uid that sets SO_REUSEPORT join a group, and the kernel offers no
    /// way to close one. The supervisor's own group starts from a bind the kernel judges without SO_REUSEPORT: a probe
    /// socket with SO_REUSEADDR alone, bound (not listening) and closed again, fails with EADDRINUSE exactly when some
    /// socket already listens on an overlapping address (including a wildcard one), so joining another server's group,
    /// or another forkhost's, is refused. What remains open: a program of the same user that sets SO_REUSEPORT itself
    /// and binds after this supervisor, or in the moment between the probe and the bind; a dedicated service user
    /// (DynamicUser=yes in deploy/forkhost.service) closes that too.
    /// </summary>
    private static void EnsureNoOtherListener(IPEndPoint endPoint)
    {
        using Socket probe = Create(endPoint, reusePort: false);
        probe.Bind(endPoint);
    }
}
