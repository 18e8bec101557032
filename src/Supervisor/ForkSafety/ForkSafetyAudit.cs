using System.Net;
using ForkHost.Sockets;
using ForkHost.Supervisor.Sockets;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>
/// What a fork(2) would copy into a worker besides the listeners: every TCP connection the supervisor holds, from
/// /proc/self/fd joined with the kernel's socket tables. The listening sockets are LISTEN; the channels are AF_UNIX.
/// </summary>
internal static class ForkSafetyAudit
{
    /// <param name="fleetEndPoint">
    /// The --metrics-bind address, if any: connections accepted on it are the supervisor's own (a probe, a scrape), open
    /// for one request and never the app's, so they are neither reported nor handed to workers by --inherit fork.
    /// </param>
    public static IReadOnlyList<HeldConnection> Run(MySqlServerAddresses mySql, IPEndPoint? fleetEndPoint) =>
        TcpSocketInventory.List()
            .Where(socket => socket.State != TcpState.Listen && !AcceptedOn(socket, fleetEndPoint))
            .Select(socket => new HeldConnection(socket, mySql.Contains(socket.RemoteEndPoint)))
            .ToList();

    private static bool AcceptedOn(OpenTcpSocket socket, IPEndPoint? listening) =>
        listening is not null
        && socket.LocalEndPoint.Port == listening.Port
        && (listening.Address.Equals(IPAddress.Any) || listening.Address.Equals(IPAddress.IPv6Any) || socket.LocalEndPoint.Address.Equals(listening.Address));
}
