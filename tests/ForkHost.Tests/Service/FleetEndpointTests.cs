using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>
/// The supervisor's own endpoint (--metrics-bind) against a real supervisor on loopback: /readyz through boot, a lost
/// worker, a stop with --shutdown-delay and a USR2 upgrade; /livez through a slow reload; and the bad inputs that end
/// in one line and exit 2.
/// </summary>
public sealed class FleetEndpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-fleet-").FullName;
    private readonly HttpClient _client = Http.CreateClient();

    public FleetEndpointTests() => _client.Timeout = TimeSpan.FromSeconds(5);

    public void Dispose()
    {
        _client.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Readyz_is_503_while_workers_boot_200_when_all_are_ready_and_503_while_a_lost_one_is_replaced()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("SlowBootApp"), "--workers", "2", "--bind", "127.0.0.1:0",
            "--metrics-bind", "127.0.0.1:0");
        Uri fleet = await FleetAddressAsync(forkhost);

        // Each worker sleeps 2 s in ConfigureServices: nothing can be ready yet.
        (HttpStatusCode booting, string bootingBody) = await ProbeAsync(fleet, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, booting);
        Assert.StartsWith("ready: no (0 of 2 ready, --ready-workers 2", bootingBody);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(fleet, "/livez")).Status);

        await forkhost.WaitForAllReadyAsync();
        // Readiness is published at the end of the loop's turn, a moment after the all-ready line is logged.
        await Eventually.HoldsAsync(() => ProbeAsync(fleet, "/readyz").Result.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(2), "/readyz says 200 once all workers are ready", forkhost.Diagnostics);
        (HttpStatusCode ready, string readyBody) = await ProbeAsync(fleet, "/readyz");
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("ready: yes (2 of 2 ready, --ready-workers 2)\n", readyBody);
        string metrics = (await ProbeAsync(fleet, "/metrics")).Body;
        Assert.Contains("\nforkhost_ready 1\n", metrics);
        Assert.Contains("\nforkhost_live 1\n", metrics);

        // A worker killed from outside: its replacement boots for 2 s, and until it is ready the supervisor is not.
        int lost = forkhost.WorkerPids()[0];
        Assert.Equal(0, Interop.Libc.Kill(lost, Interop.Signals.SIGKILL));
        await Eventually.HoldsAsync(() => ProbeAsync(fleet, "/readyz").Result.Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(2), "/readyz says 503 once a worker is lost", forkhost.Diagnostics);
        await Eventually.HoldsAsync(() => ProbeAsync(fleet, "/readyz").Result.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "/readyz says 200 once the replacement is ready", forkhost.Diagnostics);
    }

    [Fact]
    public async Task With_a_shutdown_delay_sigterm_turns_readyz_503_at_once_while_the_app_serves_until_the_drain()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("SlowLoadApp"), "--workers", "2", "--bind", "127.0.0.1:0",
            "--metrics-bind", "127.0.0.1:0", "--shutdown-delay", "5", "--graceful-timeout", "5");
        Uri fleet = await FleetAddressAsync(forkhost);
        Uri app = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(fleet, "/readyz")).Status);
        // Each worker's first request compiles its pipeline; done now, the delay's requests are quick.
        for (int i = 0; i < 6; i++)
            Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(app, "/")).Status);

        forkhost.Signal(Interop.Signals.SIGTERM);
        var sinceSignal = Stopwatch.StartNew();
        await Eventually.HoldsAsync(() => ProbeAsync(fleet, "/readyz").Result.Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(0.5), "/readyz says 503 at once", forkhost.Diagnostics);
        Assert.Contains("stopping (graceful)", (await ProbeAsync(fleet, "/readyz")).Body);

        // The delay: every request, each on a new connection, is served as before, and no worker is told to stop.
        // Probed for the first 3.5 s of the 5: a loaded machine may take a second to get here.
        int served = 0;
        while (sinceSignal.Elapsed < TimeSpan.FromSeconds(3.5))
        {
            (HttpStatusCode status, string body) = await ProbeAsync(app, "/");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("none\n", body);
            served++;
        }
        Assert.True(served >= 3, $"only {served} requests in the delay");
        Assert.Empty(forkhost.EventsWithId(EventIds.SupervisorStopping));
        Assert.Single(forkhost.EventsWithId(EventIds.ShutdownDelayed));

        Assert.Equal(0, await forkhost.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(sinceSignal.Elapsed >= TimeSpan.FromSeconds(5), $"exited {sinceSignal.Elapsed.TotalSeconds:0.0} s after SIGTERM, within the 5 s delay");
        SupervisorLogEvent stopping = Assert.Single(forkhost.EventsWithId(EventIds.SupervisorStopping));
        SupervisorLogEvent delayed = Assert.Single(forkhost.EventsWithId(EventIds.ShutdownDelayed));
        Assert.InRange((stopping.Timestamp - delayed.Timestamp).TotalSeconds, 4.9, 6.5);
    }

    [Fact]
    public async Task Livez_stays_200_and_readyz_200_during_a_slow_reload()
    {
        string config = Path.Combine(_directory, "appsettings.json");
        File.WriteAllText(config, """{ "SlowLoad": { "Milliseconds": 0, "Marker": "one" } }""");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("SlowLoadApp"), "--workers", "1", "--bind", "127.0.0.1:0",
            "--metrics-bind", "127.0.0.1:0", "--config", config);
        Uri fleet = await FleetAddressAsync(forkhost);
        await forkhost.WaitForAllReadyAsync();

        File.WriteAllText(config, """{ "SlowLoad": { "Milliseconds": 4000, "Marker": "two" } }""");
        forkhost.Signal(Interop.Signals.SIGHUP);
        await forkhost.WaitForEventAsync(EventIds.Reloading);
        var during = Stopwatch.StartNew();
        int probes = 0;
        while (during.Elapsed < TimeSpan.FromSeconds(3))
        {
            (HttpStatusCode live, string body) = await ProbeAsync(fleet, "/livez");
            Assert.True(live == HttpStatusCode.OK, $"/livez answered {(int)live} during the reload's load step: {body}");
            Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(fleet, "/readyz")).Status);
            probes++;
            await Task.Delay(100);
        }
        Assert.Empty(forkhost.EventsWithId(EventIds.AppLoaded).Skip(1));
        Assert.True(probes > 10, $"only {probes} probes in 3 s");
        await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Usr2_passes_the_endpoint_to_the_successor_and_readyz_answers_200_throughout()
    {
        string pidFile = Path.Combine(_directory, "forkhost.pid");
        int port = LoopbackPorts.Free();
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0",
            "--metrics-bind", $"127.0.0.1:{port}", "--pid-file", pidFile);
        var fleet = new Uri($"http://127.0.0.1:{port}");
        int successor = 0;
        try
        {
            await forkhost.WaitForAllReadyAsync();
            using var stop = new CancellationTokenSource();
            var answers = new List<string>();
            Task probing = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    (HttpStatusCode status, string body) = await ProbeAsync(fleet, "/readyz");
                    lock (answers)
                        answers.Add($"{(int)status} {body.Trim()}");
                    await Task.Delay(20);
                }
            });

            forkhost.Signal(12 /* SIGUSR2 */);
            successor = (await forkhost.WaitForEventAsync(EventIds.Upgrading)).Int("SuccessorPid");
            await forkhost.WaitForEventAsync(EventIds.TakingOver, timeout: TimeSpan.FromSeconds(15));
            await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(forkhost.Pid), TimeSpan.FromSeconds(15), "the old supervisor exited", forkhost.Diagnostics);
            await Task.Delay(300);
            stop.Cancel();
            await probing;

            List<string> seen;
            lock (answers)
                seen = answers.ToList();
            Assert.True(seen.Count > 20, $"only {seen.Count} probes");
            Assert.All(seen, answer => Assert.StartsWith("200 ready: yes", answer));
            Assert.Contains(ProcessTable.ListeningInodes(port).Single(), ProcessTable.SocketInodes(successor));
        }
        finally
        {
            if (successor != 0 && ProcessTable.IsAlive(successor))
            {
                _ = Interop.Libc.Kill(successor, Interop.Libc.SIGTERM);
                await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(successor), TimeSpan.FromSeconds(20), "the new supervisor stopped");
            }
        }
    }

    [Fact]
    public async Task Bad_fleet_options_are_one_line_and_exit_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        int free = LoopbackPorts.Free();

        await AssertRefusedAsync($"--metrics-bind '127.0.0.1:{takenPort}': the address is already in use", "--metrics-bind", $"127.0.0.1:{takenPort}");
        await AssertRefusedAsync($"--metrics-bind '127.0.0.1:{free}' takes the port of --bind '127.0.0.1:{free}'",
            "--bind", $"127.0.0.1:{free}", "--metrics-bind", $"127.0.0.1:{free}");
        await AssertRefusedAsync($"--metrics-bind '0.0.0.0:{free}' takes the port of --bind '127.0.0.1:{free}'",
            "--bind", $"127.0.0.1:{free}", "--metrics-bind", $"0.0.0.0:{free}");
        await AssertRefusedAsync("--metrics-bind 'unix:/tmp/fleet.sock': expected HOST:PORT", "--metrics-bind", "unix:/tmp/fleet.sock");
        await AssertRefusedAsync("--metrics-bind 'example.org:9100': host 'example.org' is not an IP address", "--metrics-bind", "example.org:9100");
        await AssertRefusedAsync("--ready-workers must be between 1 and --workers (2) (got 3)", "--workers", "2", "--ready-workers", "3");
        await AssertRefusedAsync("--shutdown-delay must be a number of seconds from 0", "--shutdown-delay", "-1");
        await AssertRefusedAsync("--replicas must be between 1 and 100000 (got 0)", "--replicas", "0");
    }

    private static async Task AssertRefusedAsync(string expected, params string[] options)
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, ["--bind", "127.0.0.1:0", .. options]);
        Assert.Equal(2, await forkhost.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: {expected}", line);
        Assert.Empty(forkhost.EventsWithId(EventIds.AppLoaded));
    }

    private static async Task<Uri> FleetAddressAsync(SupervisorProcess forkhost) =>
        new((await forkhost.WaitForEventAsync(EventIds.FleetEndpointServing)).String("Address")!);

    /// <summary>A GET on a new connection, as a load balancer's check makes it.</summary>
    private async Task<(HttpStatusCode Status, string Body)> ProbeAsync(Uri baseAddress, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, path));
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

}
