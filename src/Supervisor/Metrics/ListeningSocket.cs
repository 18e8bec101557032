using System.Net.Sockets;

namespace ForkHost.Supervisor.Metrics;

/// <summary>A TCP listening socket whose backlog a scrape reads (<see cref="ListenBacklog"/>).</summary>
/// <param name="WorkerId">With --balance reuseport, the slot the socket belongs to; otherwise null.</param>
internal sealed record ListeningSocket(string Address, int? WorkerId, Socket Socket)
{
    public ListenBacklog? ReadBacklog() => ListenBacklog.Read(Address, WorkerId, Socket);
}
