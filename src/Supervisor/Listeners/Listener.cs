using System.Net;
using System.Net.Sockets;

namespace ForkHost.Supervisor.Listeners;

/// <summary>A listening socket the supervisor owns for its whole life; workers receive copies of its descriptor.</summary>
internal sealed class Listener(BindAddress bind, Socket socket, string address, bool fromSocketActivation = false) : IDisposable
{
    public BindAddress Bind { get; } = bind;

    public Socket Socket { get; } = socket;

    /// <summary>The bound address as a URL, with the real port when port 0 was asked for: http://127.0.0.1:41234, https://127.0.0.1:8443, unix:/run/app.sock.</summary>
    public string Address { get; } = address;

    /// <summary>How workers serve it (TLS, HTTP versions), sent with it to each of them.</summary>
    public Channel.ListenerSettings Settings => Bind.Settings;

    public int Descriptor => (int)Socket.SafeHandle.DangerousGetHandle();

    /// <summary>Handed in by systemd; its file is systemd's to remove.</summary>
    public bool FromSocketActivation { get; } = fromSocketActivation;

    public IPEndPoint? TcpEndPoint => Socket.LocalEndPoint as IPEndPoint;

    /// <summary>Set when a successor supervisor (SIGUSR2) serves on this socket now: its file is the successor's.</summary>
    public bool KeepFileOnDispose { get; set; }

    /// <summary>
    /// How a listening socket's address is reported and logged: http://127.0.0.1:41234, http://[::1]:8000,
    /// unix:/run/app.sock; with <paramref name="tls"/>, https://127.0.0.1:8443, https://unix:/run/app.sock.
    /// </summary>
    public static string DescribeAddress(EndPoint endPoint, bool tls = false)
    {
        string scheme = tls ? BindAddress.HttpsScheme : BindAddress.HttpScheme;
        return endPoint switch
        {
            IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"{scheme}[{ip.Address}]:{ip.Port}",
            IPEndPoint ip => $"{scheme}{ip.Address}:{ip.Port}",
            UnixDomainSocketEndPoint unix => $"{(tls ? scheme : "")}{BindAddress.UnixPrefix}{unix}",
            _ => endPoint.ToString() ?? endPoint.AddressFamily.ToString(),
        };
    }

    public void Dispose()
    {
        if (KeepFileOnDispose && Bind.UnixPath is not null)
        {
            SocketFiles.CloseKeepingFile(Socket);
            return;
        }
        Socket.Dispose();
        if (Bind.UnixPath is { } path && !FromSocketActivation)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
        }
    }
}
