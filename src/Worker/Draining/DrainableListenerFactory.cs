using System.Net;
using Microsoft.AspNetCore.Connections;

namespace ForkHost.Worker.Draining;

/// <summary>Wraps Kestrel's socket transport so that the worker can stop accepting without stopping the server.</summary>
internal sealed class DrainableListenerFactory(IConnectionListenerFactory inner, ConnectionDrain drain) : IConnectionListenerFactory
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new DrainableListener(await inner.BindAsync(endpoint, cancellationToken), drain);
}
