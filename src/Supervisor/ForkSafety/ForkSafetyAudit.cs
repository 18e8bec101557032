using ForkHost.Sockets;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>
/// What a fork(2) would copy into a worker besides the listeners: every TCP connection the supervisor holds, from
/// /proc/self/fd joined with the kernel's socket tables. The listening sockets are LISTEN; the channels are AF_UNIX.
/// </summary>
internal static class ForkSafetyAudit
{
    public static IReadOnlyList<HeldConnection> Run(MySqlServerAddresses mySql) =>
        TcpSocketInventory.List()
            .Where(socket => socket.State != TcpState.Listen)
            .Select(socket => new HeldConnection(socket, mySql.Contains(socket.RemoteEndPoint)))
            .ToList();
}
