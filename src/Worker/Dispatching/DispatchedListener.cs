using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ForkHost.Worker.Draining;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace ForkHost.Worker.Dispatching;

/// <summary>
/// Kestrel's listener for an address the supervisor accepts on: each accept takes the next connection the supervisor
/// sent. When the drain begins it hands out what is already queued (sent before the Stop message) and only then
/// reports the listener as done.
/// </summary>
internal sealed class DispatchedListener(
    DispatchedEndPoint endPoint,
    DispatchedConnections connections,
    SocketConnectionContextFactory contexts,
    ConnectionDrain drain) : IConnectionListener
{
    private readonly CancellationTokenSource _unbound = new();
    private readonly ChannelReader<Socket> _queue = connections.For(endPoint.Listener);

    public EndPoint EndPoint => endPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_queue.TryRead(out Socket? socket))
            {
                ConnectionContext connection;
                try
                {
                    connection = contexts.Create(socket);
                }
                catch (SocketException)
                {
                    // Reset by the client before we got to it (its addresses cannot be read). An exception here would
                    // end Kestrel's accept loop for this address, so the connection is dropped and the loop goes on.
                    connections.Abandon(socket);
                    continue;
                }
                // Counted as open on arrival (DispatchedConnections); counted as closed when Kestrel is done with it.
                connection.ConnectionClosed.Register(static state => ((ConnectionDrain)state!).ConnectionClosed(), drain);
                return connection;
            }
            if (drain.IsDraining || _unbound.IsCancellationRequested)
                return null;

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, drain.Draining, _unbound.Token);
            try
            {
                if (!await _queue.WaitToReadAsync(linked.Token))
                    return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Draining or unbound: take what is queued, then end.
            }
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        while (_queue.TryRead(out Socket? socket))
            connections.Abandon(socket);
        _unbound.Dispose();
        return ValueTask.CompletedTask;
    }
}
