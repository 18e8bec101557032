using System.Net.Sockets;

namespace ForkHost.Worker.Placement;

/// <summary>
/// Without a state directory: a bind to a name in Linux's abstract Unix socket namespace. The kernel lets one socket
/// have a name at a time and frees it when the socket closes, its process's death included, like a flock; there is no
/// file to create or remove. The namespace is per network namespace and has no permissions, hence a name that holds
/// the user and the app.
/// </summary>
internal sealed class AbstractSocketFence(string name) : IPlacementFence
{
    /// <summary>Without the leading NUL that puts it in the abstract namespace.</summary>
    public string Name { get; } = name;

    public string Description => $"abstract Unix socket @{Name}";

    public IDisposable? TryAcquire()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint("\0" + Name));
            return socket;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            return null;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
