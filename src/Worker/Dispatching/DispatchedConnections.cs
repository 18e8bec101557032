using System.Net.Sockets;
using System.Threading.Channels;
using ForkHost.Worker.Draining;

namespace ForkHost.Worker.Dispatching;

/// <summary>
/// Connections the supervisor accepted and sent (--balance dispatch), queued per listener until Kestrel takes them.
/// A connection counts as open for the drain from the moment it arrives: the supervisor sent it before the Stop
/// message, so the worker owes it an answer even if Kestrel has not accepted it yet.
/// </summary>
internal sealed class DispatchedConnections
{
    private readonly Channel<Socket>[] _queues;
    private readonly ConnectionDrain _drain;

    public DispatchedConnections(int listeners, ConnectionDrain drain)
    {
        _drain = drain;
        _queues = new Channel<Socket>[listeners];
        for (int i = 0; i < listeners; i++)
            _queues[i] = System.Threading.Channels.Channel.CreateUnbounded<Socket>(new UnboundedChannelOptions { SingleWriter = true });
    }

    public int Count => _queues.Length;

    public ChannelReader<Socket> For(int listener) => _queues[listener].Reader;

    /// <summary>Queues a received connection; false (and the descriptor closed) when no listener has that index.</summary>
    public bool Deliver(int listener, int descriptor)
    {
        var handle = new SafeSocketHandle(descriptor, ownsHandle: true);
        Socket socket;
        try
        {
            socket = new Socket(handle);
        }
        catch (SocketException)
        {
            // Not a socket we can use (reset before it got here): nothing to serve.
            handle.Dispose();
            return true;
        }
        if ((uint)listener >= (uint)_queues.Length)
        {
            socket.Dispose();
            return false;
        }
        _drain.ConnectionOpened();
        if (!_queues[listener].Writer.TryWrite(socket))
            Abandon(socket);
        return true;
    }

    /// <summary>Closes a connection no one will serve (the worker is exiting), and stops counting it.</summary>
    public void Abandon(Socket socket)
    {
        socket.Dispose();
        _drain.ConnectionClosed();
    }
}
