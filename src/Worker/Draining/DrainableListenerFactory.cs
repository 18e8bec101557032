using System.Net;
using ForkHost.Descriptors;
using ForkHost.Worker.Accepting;
using ForkHost.Worker.Descriptors;
using ForkHost.Worker.Dispatching;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Draining;

/// <summary>
/// Kestrel's only transport in a worker: the listening sockets the supervisor sent, accepted within the descriptor
/// budget (<see cref="InheritedSocketListener"/>) and wrapped so that the worker can stop accepting without stopping
/// the server; and, for addresses the supervisor accepts on itself (--balance dispatch), a listener fed by the channel.
/// </summary>
internal sealed class DrainableListenerFactory(
    int backlog,
    ConnectionDrain drain,
    DispatchedConnections dispatched,
    SocketConnectionContextFactory contexts,
    DescriptorBudget budget,
    WorkerHealth health,
    ILogger logger) : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IConnectionListener>(endpoint switch
        {
            DispatchedEndPoint address => new DispatchedListener(address, dispatched, contexts, drain),
            FileHandleEndPoint handle => new DrainableListener(InheritedSocketListener.Bind(handle, backlog, contexts, budget, health, logger), drain),
            _ => throw new NotSupportedException(
                $"The app asks Kestrel to listen on {endpoint} itself; a worker serves only on the supervisor's sockets. Give the address to forkhost as --bind, and remove the app's Listen call, UseUrls or Kestrel:Endpoints entry."),
        });
}
