using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ForkHost.Lab.MySql;

/// <summary>Whether a Docker engine answers, asked cheaply (GET /_ping on its socket) and never for more than a second.</summary>
internal static class DockerEngine
{
    public static async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        string? host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        EndPoint? endPoint = host switch
        {
            null or "" => Path.Exists("/var/run/docker.sock") ? new UnixDomainSocketEndPoint("/var/run/docker.sock") : null,
            _ when host.StartsWith("unix://", StringComparison.Ordinal) => new UnixDomainSocketEndPoint(host["unix://".Length..]),
            _ when host.StartsWith("tcp://", StringComparison.Ordinal) && Uri.TryCreate(host.Replace("tcp://", "http://", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri)
                => new DnsEndPoint(uri.Host, uri.Port),
            _ => null,
        };
        if (endPoint is null)
            return false;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var socket = endPoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, timeout.Token);
            await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[256];
            int read = await socket.ReceiveAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.", StringComparison.Ordinal)
                && Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
