using System.Net;
using ForkHost.Worker.Dispatching;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace ForkHost.Worker.Draining;

/// <summary>
/// Kestrel's only transport in a worker: its socket transport for the listening sockets the supervisor sent, wrapped
/// so that the worker can stop accepting without stopping the server; and, for addresses the supervisor accepts on
/// itself (--balance dispatch), a listener fed by the channel.
/// </summary>
internal sealed class DrainableListenerFactory(
    IConnectionListenerFactory sockets,
    ConnectionDrain drain,
    DispatchedConnections dispatched,
    SocketConnectionContextFactory contexts) : IConnectionListenerFactory
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        endpoint is DispatchedEndPoint address
            ? new DispatchedListener(address, dispatched, contexts, drain)
            : new DrainableListener(await sockets.BindAsync(endpoint, cancellationToken), drain);
}
