using System.Globalization;
using System.Net;
using System.Net.Security;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using Grpc.Net.Client;

namespace ForkHost.Tests.Edge;

/// <summary>
/// https:// binds served by real workers: on TCP and on a unix socket, HTTP/2 by ALPN as curl negotiates it, gRPC over
/// h2 and h2c, and every balance mode (in dispatch mode the worker does TLS on the connection the supervisor hands it).
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-https-").FullName;

    [Fact]
    public async Task Https_on_tcp_and_on_a_unix_socket_speaks_h2_by_alpn_and_http1_when_asked_and_keeps_the_key_to_the_supervisor()
    {
        TestCertificates.Files certificate = TestCertificates.Write(_directory, "localhost", notAfter: DateTimeOffset.UtcNow.AddDays(10), rsa: true);
        string socket = Path.Combine(_directory, "https.sock");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2",
            "--bind", "https://127.0.0.1:0", "--bind", $"https://unix:{socket}", "--certfile", certificate.CertFile, "--keyfile", certificate.KeyFile);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        Assert.Equal("https", address.Scheme);
        Assert.Contains(forkhost.EventsWithId(EventIds.Listening), e => e.String("Address") == $"https://unix:{socket}");
        SupervisorLogEvent loaded = Assert.Single(forkhost.EventsWithId(EventIds.CertificateLoaded));
        Assert.Equal(certificate.Thumbprint, loaded.String("Thumbprint"));
        // Ten days left: a warning with the date, at start.
        SupervisorLogEvent soon = Assert.Single(forkhost.EventsWithId(EventIds.CertificateExpiresSoon));
        Assert.StartsWith(certificate.NotAfter.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), soon.String("NotAfter"));

        // curl negotiates h2 by ALPN, and HTTP/1.1 when it offers only that.
        (int exit, string stdout, string stderr) = await Https.CurlAsync("--insecure", "--http2", "--write-out", "\n%{http_version}", address.ToString());
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("Hello from worker", stdout);
        Assert.EndsWith("\n2", stdout);
        (exit, stdout, stderr) = await Https.CurlAsync("--insecure", "--http1.1", "--write-out", "\n%{http_version}", address.ToString());
        Assert.True(exit == 0, stderr);
        Assert.EndsWith("\n1.1", stdout);

        // The unix socket: TLS too, with the same certificate.
        (exit, stdout, stderr) = await Https.CurlAsync("--insecure", "--http2", "--unix-socket", socket, "--write-out", "\n%{http_version}", "https://localhost/");
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("Hello from worker", stdout);
        Assert.EndsWith("\n2", stdout);
        Https.Answer tcp = await Https.GetOnNewConnectionAsync(address);
        Assert.Equal(certificate.Thumbprint, tcp.Thumbprint);

        // Plain HTTP on a TLS port is refused, not served in the clear.
        (_, stdout, _) = await Https.CurlAsync($"http://127.0.0.1:{address.Port}/");
        Assert.DoesNotContain("Hello from worker", stdout);

        // The key is read by the supervisor only: not in any worker's argv or environment, not in any log line.
        string keyLine = File.ReadAllLines(certificate.KeyFile)[1];
        foreach (int worker in forkhost.WorkerPids())
        {
            Assert.DoesNotContain(keyLine, File.ReadAllText($"/proc/{worker}/cmdline"));
            Assert.DoesNotContain(keyLine, File.ReadAllText($"/proc/{worker}/environ"));
        }
        Assert.DoesNotContain(keyLine, forkhost.Stdout + forkhost.Stderr);
        Assert.DoesNotContain("BEGIN PRIVATE KEY", forkhost.Stdout + forkhost.Stderr);
    }

    [Fact]
    public async Task A_grpc_call_succeeds_over_h2_with_tls_and_over_h2c_and_names_the_worker()
    {
        TestCertificates.Files certificate = TestCertificates.Write(_directory, "localhost");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.GreeterApp, "--workers", "2",
            "--bind", "https://127.0.0.1:0", "--bind", "http://127.0.0.1:0?protocols=http2", "--certfile", certificate.CertFile, "--keyfile", certificate.KeyFile);
        await forkhost.WaitForAllReadyAsync();
        var addresses = forkhost.EventsWithId(EventIds.Listening).Select(e => new Uri(e.String("Address")!)).ToList();
        Uri tls = Assert.Single(addresses, a => a.Scheme == "https");
        Uri cleartext = Assert.Single(addresses, a => a.Scheme == "http");
        IReadOnlyList<int> workers = forkhost.WorkerPids();

        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        using (GrpcChannel channel = GrpcChannel.ForAddress(tls, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false }))
        {
            var client = new Greeter.Greeter.GreeterClient(channel);
            Greeter.HelloReply reply = await client.SayHelloAsync(new Greeter.HelloRequest { Name = "h2" }, deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.Equal("HTTP/2", reply.Protocol);
            Assert.Contains(reply.Pid, workers);
            Assert.Equal($"Hello h2 from worker {reply.WorkerId} (pid {reply.Pid})", reply.Message);
        }

        // h2c: HTTP/2 with prior knowledge on a cleartext bind, as gRPC behind a proxy speaks it.
        using (GrpcChannel channel = GrpcChannel.ForAddress(cleartext))
        {
            var client = new Greeter.Greeter.GreeterClient(channel);
            Greeter.HelloReply reply = await client.SayHelloAsync(new Greeter.HelloRequest { Name = "h2c" }, deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.Equal("HTTP/2", reply.Protocol);
            Assert.Contains(reply.Pid, workers);
        }
        (int exit, string stdout, string stderr) = await Https.CurlAsync("--http2-prior-knowledge", "--write-out", "\n%{http_version}", cleartext.ToString());
        Assert.True(exit == 0, stderr);
        Assert.EndsWith("\n2", stdout);
        // That bind is HTTP/2 only: an HTTP/1.1 request gets no HTTP/1.1 answer.
        (exit, stdout, _) = await Https.CurlAsync("--http1.1", "--write-out", "%{http_code}", cleartext.ToString());
        Assert.True(exit != 0 || !stdout.EndsWith("200", StringComparison.Ordinal), stdout);
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerBootFailed));
    }

    [Theory]
    [InlineData("shared")]
    [InlineData("reuseport")]
    [InlineData("dispatch")]
    public async Task Https_is_served_by_every_worker_in_every_balance_mode(string balance)
    {
        TestCertificates.Files certificate = TestCertificates.Write(_directory, "localhost");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--balance", balance,
            "--bind", "https://127.0.0.1:0", "--certfile", certificate.CertFile, "--keyfile", certificate.KeyFile);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = forkhost.WorkerPids();
        Uri whoami = new(address, "/whoami");

        // New connections until both workers have answered, over HTTP/1.1 and HTTP/2 alike, each showing the certificate.
        var answered = new HashSet<int>();
        for (int i = 0; i < 60 && answered.Count < workers.Count; i++)
        {
            Https.Answer answer = await Https.GetOnNewConnectionAsync(whoami, i % 2 == 0 ? HttpVersion.Version11 : HttpVersion.Version20);
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.Equal(certificate.Thumbprint, answer.Thumbprint);
            Assert.Equal(i % 2 == 0 ? 1 : 2, answer.Version.Major);
            answered.Add(System.Text.Json.JsonDocument.Parse(answer.Body).RootElement.GetProperty("pid").GetInt32());
        }
        Assert.Equal(workers.Order(), answered.Order());
    }

    [Fact]
    public async Task Under_user_a_root_only_key_named_in_the_apps_own_appsettings_is_read_by_the_supervisor_alone()
    {
        // certbot's layout: the key 0600 root. The supervisor runs as root in the app's folder, whose appsettings.json
        // (ForkHost's configuration too, then) names the files; workers run as nobody, could not read the key, and
        // must not try: their Kestrel would load Kestrel:Certificates:Default itself.
        Assert.True(Interop.Libc.GetUserId() == 0, "this test needs root, as the CI machine has");
        string copy = WorldReadable.Copy(RepositoryPaths.SupervisorDirectory, "forkhost");
        string app = WorldReadable.Copy(Path.GetDirectoryName(RepositoryPaths.HelloApp)!, "hello-tls");
        try
        {
            TestCertificates.Files certificate = TestCertificates.Write(app, "localhost");
            File.WriteAllText(Path.Combine(app, "appsettings.json"), $$"""
                { "Kestrel": { "Certificates": { "Default": { "Path": "{{Path.GetFileName(certificate.CertFile)}}", "KeyPath": "{{Path.GetFileName(certificate.KeyFile)}}" } } } }
                """);

            await using var forkhost = ForkHostProcess.Start(
                ["run", "--app", Path.Combine(app, "Hello.dll"), "--workers", "1", "--bind", "https://127.0.0.1:0", "--user", "nobody", "--group", "nogroup",
                    "--max-boot-failures", "1"],
                executable: Path.Combine(copy, "forkhost"), workingDirectory: app);
            Uri address = await forkhost.WaitForHttpAddressAsync();
            await forkhost.WaitForAllReadyAsync();

            Assert.Equal(certificate.Thumbprint, (await Https.GetOnNewConnectionAsync(address)).Thumbprint);
            Assert.Contains("Kestrel:Certificates:Default:Path", Assert.Single(forkhost.EventsWithId(EventIds.CertificateLoaded)).String("Source"));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public async Task A_socket_handed_in_by_systemd_under_the_name_https_is_served_with_tls()
    {
        TestCertificates.Files certificate = TestCertificates.Write(_directory, "localhost");
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var startInfo = new System.Diagnostics.ProcessStartInfo("systemd-socket-activate") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in (string[])["-l", $"127.0.0.1:{port}", "--fdname=https", RepositoryPaths.Supervisor, "run", "--app", RepositoryPaths.HelloApp,
            "--workers", "1", "--certfile", certificate.CertFile, "--keyfile", certificate.KeyFile, "--log-format", "json"])
            startInfo.ArgumentList.Add(argument);
        using var activator = System.Diagnostics.Process.Start(startInfo)!;
        Task<string> output = activator.StandardOutput.ReadToEndAsync();
        try
        {
            await Eventually.HoldsAsync(() => ProcessTable.ListeningInodes(port).Count == 1, TimeSpan.FromSeconds(10), "systemd-socket-activate listens");
            Https.Answer answer = await Https.GetOnNewConnectionAsync(new Uri($"https://127.0.0.1:{port}/"));
            Assert.Equal(certificate.Thumbprint, answer.Thumbprint);
            Assert.StartsWith("Hello from worker", answer.Body);
        }
        finally
        {
            _ = Interop.Libc.Kill(activator.Id, Interop.Libc.SIGTERM);
            await activator.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        Assert.Contains($"\"Address\":\"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}\"", await output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
