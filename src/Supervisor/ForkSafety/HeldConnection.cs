using ForkHost.Sockets;
using ForkHost.Supervisor.Sockets;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>A TCP connection the supervisor holds at spawn time, and whether it leads to the app's MySQL server.</summary>
internal sealed record HeldConnection(OpenTcpSocket Socket, bool IsMySql)
{
    public override string ToString() =>
        $"fd {Socket.Descriptor}: {Socket.LocalEndPoint} -> {Socket.RemoteEndPoint}{(IsMySql ? " (the app's MySQL server)" : "")}";
}
