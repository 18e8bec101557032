using System.Net;
using System.Net.Sockets;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// Binds and listens before any worker exists, so connections queue in the backlog while workers boot. A failure
/// closes what was already bound: nothing is left half-started.
/// </summary>
internal static class ListenerBinder
{
    /// <param name="reusePort">
    /// Start an SO_REUSEPORT group on each TCP address, so that per-slot siblings can bind the same port
    /// (--balance reuseport); otherwise the port is exclusive (<see cref="PortSharing"/>).
    /// </param>
    public static IReadOnlyList<Listener> BindAll(IReadOnlyList<string> binds, int backlog, UnixFileMode unixSocketMode, bool reusePort = false)
    {
        var listeners = new List<Listener>();
        try
        {
            foreach (string bind in binds)
                listeners.Add(Bind(BindAddress.Parse(bind), backlog, unixSocketMode, reusePort));
            return listeners;
        }
        catch
        {
            foreach (Listener listener in listeners)
                listener.Dispose();
            throw;
        }
    }

    private static Listener Bind(BindAddress bind, int backlog, UnixFileMode unixSocketMode, bool reusePort) =>
        bind.UnixPath is { } path ? BindUnix(bind, path, backlog, unixSocketMode) : BindTcp(bind, bind.TcpEndPoint!, backlog, reusePort);

    private static Listener BindTcp(BindAddress bind, IPEndPoint endPoint, int backlog, bool reusePort)
    {
        Socket socket;
        try
        {
            socket = TcpListeningSocket.Listen(endPoint, backlog, reusePort ? PortSharing.NewGroup : PortSharing.Exclusive);
        }
        catch (SocketException e)
        {
            throw new UsageException(e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"--bind '{bind}': the address is already in use; stop the other server or choose another port.",
                SocketError.AddressNotAvailable => $"--bind '{bind}': this machine has no such address.",
                SocketError.AccessDenied => $"--bind '{bind}': permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE).",
                _ => $"--bind '{bind}': {e.Message}.",
            });
        }
        return new Listener(bind, socket, Listener.DescribeAddress(socket.LocalEndPoint!, bind.Settings.Tls));
    }

    private static Listener BindUnix(BindAddress bind, string path, int backlog, UnixFileMode mode)
    {
        RemoveStaleSocketFile($"--bind '{bind}'", path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, mode);
            socket.Listen(backlog);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            throw new UsageException($"--bind '{bind}': cannot listen on {path}: {e.Message}.");
        }
        return new Listener(bind, socket, Listener.DescribeAddress(new UnixDomainSocketEndPoint(path), bind.Settings.Tls));
    }

    /// <summary>
    /// A socket file left by a supervisor that was killed is removed; one that a live server answers on, or a path that
    /// is not a socket at all, is an error rather than something to delete. Also used for the control socket.
    /// </summary>
    /// <param name="option">How error messages name the setting: "--bind 'unix:/x.sock'", "--control-socket".</param>
    internal static void RemoveStaleSocketFile(string option, string path)
    {
        // File.Exists is false for a socket file; Path.Exists is true for anything at the path.
        if (!Path.Exists(path))
            return;
        if (Directory.Exists(path) || !IsSocketFile(path))
            throw new UsageException($"{option}: {path} exists and is not a socket; remove it or choose another path.");

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            File.Delete(path);
            return;
        }
        throw new UsageException($"{option}: another server is listening on {path}; stop it or choose another path.");
    }

    private static bool IsSocketFile(string path)
    {
        // .NET exposes no S_ISSOCK; open(2) on a socket file fails with ENXIO, which .NET reports as an IOException.
        try
        {
            using var stream = File.OpenRead(path);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
