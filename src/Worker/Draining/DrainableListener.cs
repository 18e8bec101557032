using System.Net;
using Microsoft.AspNetCore.Connections;

namespace ForkHost.Worker.Draining;

/// <summary>
/// Accepts until the drain begins, then reports the listener as done (Kestrel's accept loop ends on null). A
/// connection the kernel handed over in the same instant is still served: it was taken off the shared backlog, so
/// no other worker would ever see it.
/// </summary>
internal sealed class DrainableListener(IConnectionListener inner, ConnectionDrain drain) : IConnectionListener
{
    public EndPoint EndPoint => inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        if (drain.IsDraining)
            return null;

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, drain.Draining);
        ConnectionContext? connection;
        try
        {
            connection = await inner.AcceptAsync(linked.Token);
        }
        catch (OperationCanceledException) when (drain.IsDraining && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        if (connection is null)
            return null;

        drain.ConnectionOpened();
        connection.ConnectionClosed.Register(static state => ((ConnectionDrain)state!).ConnectionClosed(), drain);
        return connection;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
