using System.Net.Sockets;

namespace ForkHost.Supervisor.Control;

/// <summary>One accepted control connection, as the server's admission sees it.</summary>
internal sealed class ControlConnection(Socket socket, PeerCredentials peer, long acceptedAt)
{
    private volatile bool _requestRead;

    public Socket Socket { get; } = socket;

    public PeerCredentials Peer { get; } = peer;

    /// <summary>Environment.TickCount64 at accept.</summary>
    public long AcceptedAt { get; } = acceptedAt;

    /// <summary>Set once the request line is read: from then on the connection is being answered, not idle.</summary>
    public void MarkRequestRead() => _requestRead = true;

    /// <summary>
    /// No request read and no byte of one waiting in the kernel: a client that connected and sent nothing (yet). The
    /// kernel's count matters because `forkhost status` writes its request right after connect, before the server
    /// has read anything, and must not be mistaken for an idle connection.
    /// </summary>
    public bool IsIdle
    {
        get
        {
            if (_requestRead)
                return false;
            try
            {
                return Socket.Available == 0;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return true;
            }
        }
    }

    /// <summary>Ends the connection from the server's side: the pending read sees end-of-stream and the connection closes without an answer.</summary>
    public void Evict()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }
}
