using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.TestApps;
using Xunit.Abstractions;

namespace ForkHost.Tests.Edge;

/// <summary>
/// <c>--bind …?proxy-protocol</c> behind a real HAProxy in TCP mode (<c>send-proxy</c>, <c>send-proxy-v2</c>): the
/// client reaches HAProxy from 127.0.0.2, HAProxy reaches ForkHost from 127.0.0.1, and the app and the access log must
/// see 127.0.0.2. A connection without a header is closed, and only that connection.
/// </summary>
public sealed class ProxyProtocolTests(ITestOutputHelper output) : IDisposable
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.2");
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-proxy-protocol-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Through_haproxy_v1_and_v2_the_app_and_the_access_log_see_the_client_and_a_headerless_connection_is_closed_alone()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp(nameof(ClientInfoApp)), "--workers", "2",
            "--bind", "127.0.0.1:0?proxy-protocol", "--access-log");
        Uri backend = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        (int v1, int v2) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        await using var haproxy = HaproxyProcess.Start(Config(v1, v2, backend.Port), _directory, output);

        foreach (int frontend in (int[])[v1, v2])
        {
            ClientInfoApp.ClientInfo seen = await GetFromClientAddressAsync(new Uri($"http://127.0.0.1:{frontend}/client"), haproxy);
            Assert.Equal(Client.ToString(), seen.Address);
        }
        Assert.All(forkhost.EventsWithId(EventIds.AccessLog), e => Assert.Equal(Client.ToString(), e.String("Client")));

        // Straight to ForkHost, no header: that connection closes unanswered, with one warning, and nothing else changes.
        Assert.Equal("", await SendWithoutHeaderAsync(backend.Port));
        SupervisorLogEvent rejected = await forkhost.WaitForEventAsync(EventIds.WorkerProxyHeaderRejected);
        Assert.Contains("does not start with a PROXY protocol header", rejected.String("Reason"));
        Assert.Equal(Client.ToString(), (await GetFromClientAddressAsync(new Uri($"http://127.0.0.1:{v2}/client"), haproxy)).Address);
    }

    [Fact]
    public async Task On_an_https_bind_the_header_comes_before_the_tls_handshake()
    {
        TestCertificates.Files certificate = TestCertificates.Write(_directory, "localhost");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp(nameof(ClientInfoApp)), "--workers", "1",
            "--bind", "https://127.0.0.1:0?proxy-protocol", "--certfile", certificate.CertFile, "--keyfile", certificate.KeyFile);
        Uri backend = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        (int v1, int v2) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        await using var haproxy = HaproxyProcess.Start(Config(v1, v2, backend.Port), _directory, output);

        ClientInfoApp.ClientInfo seen = await GetFromClientAddressAsync(new Uri($"https://127.0.0.1:{v2}/client"), haproxy);

        Assert.Equal(Client.ToString(), seen.Address);
        Assert.Equal("https", seen.Scheme);
    }

    /// <summary>TCP mode, as an L4 balancer: HAProxy adds the header and passes the bytes, a TLS handshake included, through.</summary>
    private static string Config(int v1, int v2, int backend) => $"""
        global
            log stderr format short local0 warning
        defaults
            mode tcp
            timeout connect 2s
            timeout client 30s
            timeout server 30s
        frontend v1
            bind 127.0.0.1:{v1}
            default_backend v1
        frontend v2
            bind 127.0.0.1:{v2}
            default_backend v2
        backend v1
            server forkhost 127.0.0.1:{backend} send-proxy
        backend v2
            server forkhost 127.0.0.1:{backend} send-proxy-v2

        """;

    /// <summary>One request on a fresh connection made from 127.0.0.2, retried while HAProxy starts.</summary>
    private static async Task<ClientInfoApp.ClientInfo> GetFromClientAddressAsync(Uri uri, HaproxyProcess haproxy)
    {
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(Client, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        for (int attempt = 1; ; attempt++)
        {
            Assert.False(haproxy.HasExited, "haproxy exited (its log is in the test output)");
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.ConnectionClose = true;
                using HttpResponseMessage response = await client.SendAsync(request);
                response.EnsureSuccessStatusCode();
                return (await response.Content.ReadFromJsonAsync<ClientInfoApp.ClientInfo>())!;
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <returns>What ForkHost answered before closing: nothing, for a connection without a PROXY header.</returns>
    private static async Task<string> SendWithoutHeaderAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /client HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        var received = new List<byte>();
        var buffer = new byte[1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
                received.AddRange(buffer[..read]);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
        return Encoding.ASCII.GetString([.. received]);
    }
}
