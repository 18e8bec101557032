using System.Net.Sockets;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Supervisor.Fleet;

/// <summary>
/// Binds --metrics-bind: a TCP socket of the supervisor's own, set up like every --bind socket
/// (<see cref="TcpListeningSocket"/>, exclusive: a second server gets EADDRINUSE), that no worker ever receives.
/// </summary>
internal static class FleetListener
{
    public const string Option = "--metrics-bind";

    /// <summary>A probe endpoint: a few load balancers and a scraper, never a crowd.</summary>
    private const int Backlog = 64;

    /// <exception cref="UsageException">Not HOST:PORT, or the address is in use or not this machine's.</exception>
    public static Listener Bind(string text)
    {
        BindAddress bind = ParseAddress(text);
        Socket socket;
        try
        {
            socket = TcpListeningSocket.Listen(bind.TcpEndPoint!, Backlog, PortSharing.Exclusive);
        }
        catch (SocketException e)
        {
            throw new UsageException(e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"{Option} '{text}': the address is already in use; stop the other server or choose another port.",
                SocketError.AddressNotAvailable => $"{Option} '{text}': this machine has no such address.",
                SocketError.AccessDenied => $"{Option} '{text}': permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE).",
                _ => $"{Option} '{text}': {e.Message}.",
            });
        }
        return new Listener(bind, socket, Listener.DescribeAddress(socket.LocalEndPoint!));
    }

    /// <summary>HOST:PORT or [IPv6]:PORT, as --bind takes them; a unix socket is refused (probes and scrapers speak TCP).</summary>
    /// <exception cref="UsageException">Anything else.</exception>
    public static BindAddress ParseAddress(string text)
    {
        BindAddress bind = BindAddress.Parse(text, Option, urlForms: false);
        if (bind.TcpEndPoint is null)
            throw new UsageException($"{Option} '{text}': expected HOST:PORT (127.0.0.1:9100, [::1]:9100); load balancers and scrapers probe over TCP, not a unix socket.");
        return bind;
    }
}
