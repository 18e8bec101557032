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
    private long _received;
    private long _lost;

    public DispatchedConnections(int listeners, ConnectionDrain drain)
    {
        _drain = drain;
        _queues = new Channel<Socket>[listeners];
        for (int i = 0; i < listeners; i++)
            _queues[i] = System.Threading.Channels.Channel.CreateUnbounded<Socket>(new UnboundedChannelOptions { SingleWriter = true });
    }

    public int Count => _queues.Length;

    public ChannelReader<Socket> For(int listener) => _queues[listener].Reader;

    /// <summary>Connection messages read from the channel, delivered or lost; the heartbeat reports it.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>
    /// A Connection message whose descriptor the kernel could not install (the table was full): the client's
    /// connection is gone, since the supervisor closed its copy when it sent it. Returns how many were lost so far.
    /// </summary>
    public long RecordLost()
    {
        Interlocked.Increment(ref _received);
        return Interlocked.Increment(ref _lost);
    }

    /// <summary>Queues a received connection; false (and the descriptor closed) when no listener has that index.</summary>
    public bool Deliver(int listener, int descriptor)
    {
        Interlocked.Increment(ref _received);
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
