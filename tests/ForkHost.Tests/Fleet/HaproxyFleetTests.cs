using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;
using Xunit.Abstractions;

namespace ForkHost.Tests.Fleet;

/// <summary>
/// A fleet as users run one: a real HAProxy in front of 3 supervisors (2 Comments workers each, one MariaDB), with
/// health checks on each supervisor's <c>/readyz</c>. Under continuous GET and POST load every supervisor is restarted
/// in turn with SIGTERM, then upgraded in turn with USR2. With a <c>--shutdown-delay</c> longer than HAProxy's check
/// interval no request fails and every acknowledged POST is stored. The posts are one logged-in user's: the
/// supervisors share one <c>--state-dir</c>, as replicas behind a load balancer share one key ring, so every worker of
/// every one of them accepts the login cookie and the antiforgery token.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class HaproxyFleetTests(MySqlServerFixture mySql, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>HAProxy's health-check interval; --shutdown-delay must exceed what it takes to mark a server down.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(300);

    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-fleet-").FullName;
    private readonly List<FleetMember> _members = [];
    private HaproxyProcess? _haproxy;

    [Fact]
    public async Task Restarting_and_upgrading_every_supervisor_behind_haproxy_fails_no_request_with_a_shutdown_delay()
    {
        (int failed, int answered, string detail) = await RollThroughFleetAsync(shutdownDelaySeconds: 2, upgrade: true);
        Assert.True(failed == 0, $"{failed} of {answered + failed} requests failed: {detail}");
        Assert.True(answered > 200, $"too little load: {answered} requests answered");

        // What the delay buys: the same restarts with --shutdown-delay 0 (reported, not asserted: it depends on where
        // HAProxy's checks fall relative to each stop).
        await DisposeFleetAsync();
        (int failedWithoutDelay, int answeredWithoutDelay, string detailWithoutDelay) = await RollThroughFleetAsync(shutdownDelaySeconds: 0, upgrade: false);
        output.WriteLine($"--shutdown-delay 2: {failed} failed of {answered + failed}; --shutdown-delay 0: {failedWithoutDelay} failed of {answeredWithoutDelay + failedWithoutDelay} ({detailWithoutDelay})");
    }

    /// <returns>Failed and answered requests, and a sample of the failures.</returns>
    private async Task<(int Failed, int Answered, string Detail)> RollThroughFleetAsync(int shutdownDelaySeconds, bool upgrade)
    {
        string marker = $"fleet-{Guid.NewGuid():N}";
        string state = Path.Combine(_directory, "state");
        for (int i = 0; i < 3; i++)
            _members.Add(new FleetMember(LoopbackPorts.Free(), LoopbackPorts.Free(), state));
        foreach (FleetMember member in _members)
            member.Start(mySql.ConnectionString, shutdownDelaySeconds);
        foreach (FleetMember member in _members)
            await member.Supervisor!.WaitForAllReadyAsync(TimeSpan.FromSeconds(30));
        int frontend = LoopbackPorts.Free();
        _haproxy = StartHaproxy(frontend);
        var address = new Uri($"http://127.0.0.1:{frontend.ToString(CultureInfo.InvariantCulture)}/");
        await WaitForHaproxyAsync(address, _haproxy);

        var load = await FleetLoad.StartAsync(address, marker);
        await Task.Delay(500);
        foreach (FleetMember member in _members)
        {
            await member.RestartAsync(mySql.ConnectionString, shutdownDelaySeconds);
            // HAProxy marks it up again after two good checks.
            await Task.Delay(CheckInterval * 4);
        }
        if (upgrade)
        {
            foreach (FleetMember member in _members)
            {
                await member.UpgradeAsync();
                await Task.Delay(CheckInterval * 4);
            }
        }
        await Task.Delay(500);
        await load.StopAsync();

        HashSet<string> stored = await mySql.StoredCommentsAsync(marker);
        var lost = load.Acknowledged.Where(content => !stored.Contains(content)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged POSTs are not in the database");
        return (load.Failures.Count, load.Answered, string.Join("; ", load.Failures.Distinct().Take(5)));
    }

    private HaproxyProcess StartHaproxy(int frontend)
    {
        // Mirrors deploy/haproxy/haproxy.cfg, with loopback ports and a short check interval.
        var servers = string.Join("\n", _members.Select((m, i) =>
            $"    server s{i + 1} 127.0.0.1:{m.Port} check port {m.MetricsPort} inter {(int)CheckInterval.TotalMilliseconds} fall 1 rise 2"));
        string config = $"""
            global
                log stderr format short local0 warning
            defaults
                mode http
                timeout connect 2s
                timeout client 30s
                timeout server 30s
                option http-server-close
                # No retries: the load balancer gets no second chance at a request a stopping supervisor drops, as
                # with an L4 balancer or a Kubernetes Service. The shutdown delay alone must keep it from happening.
                retries 0
            frontend web
                bind 127.0.0.1:{frontend}
                default_backend forkhost
            backend forkhost
                balance roundrobin
                option httpchk GET /readyz
                http-check expect status 200
            {servers}

            """;
        return HaproxyProcess.Start(config, _directory, output);
    }

    private static async Task WaitForHaproxyAsync(Uri address, HaproxyProcess haproxy)
    {
        using HttpClient client = Http.CreateClient();
        await Eventually.HoldsAsync(() =>
        {
            Assert.False(haproxy.HasExited, $"haproxy exited with code {(haproxy.HasExited ? haproxy.ExitCode : 0)} (its log is in the test output)");
            try
            {
                return client.GetAsync(new Uri(address, "/echo?n=0")).Result.IsSuccessStatusCode;
            }
            catch (AggregateException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "HAProxy serves");
    }


    private async Task DisposeFleetAsync()
    {
        if (_haproxy is not null)
            await _haproxy.DisposeAsync();
        _haproxy = null;
        foreach (FleetMember member in _members)
            await member.DisposeAsync();
        _members.Clear();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, which xunit 2 calls whether the test passed or not (it does not call IAsyncDisposable).
    public async Task DisposeAsync()
    {
        await DisposeFleetAsync();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>One supervisor of the fleet, on fixed ports so that a restart comes back where HAProxy looks.</summary>
    /// <param name="state">The --state-dir every member shares: one key ring for the fleet.</param>
    private sealed class FleetMember(int port, int metricsPort, string state) : IAsyncDisposable
    {
        private int? _successor;

        public int Port { get; } = port;
        public int MetricsPort { get; } = metricsPort;
        public SupervisorProcess? Supervisor { get; private set; }

        public void Start(string connectionString, int shutdownDelaySeconds) =>
            Supervisor = ForkHostProcess.Start(
                ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "2",
                    "--bind", $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}",
                    "--metrics-bind", $"127.0.0.1:{MetricsPort.ToString(CultureInfo.InvariantCulture)}",
                    "--shutdown-delay", shutdownDelaySeconds.ToString(CultureInfo.InvariantCulture), "--graceful-timeout", "10",
                    "--state-dir", state],
                new Dictionary<string, string> { ["FORKHOST_MYSQL"] = connectionString + ";MaximumPoolSize=10" });

        /// <summary>SIGTERM, as systemd or Kubernetes stops it; then a new supervisor on the same ports.</summary>
        public async Task RestartAsync(string connectionString, int shutdownDelaySeconds)
        {
            SupervisorProcess running = Supervisor!;
            running.Signal(Interop.Signals.SIGTERM);
            Assert.Equal(0, await running.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            await running.DisposeAsync();
            Start(connectionString, shutdownDelaySeconds);
            await Supervisor!.WaitForAllReadyAsync(TimeSpan.FromSeconds(30));
        }

        /// <summary>USR2: a successor inherits the sockets (the metrics one too) and takes over.</summary>
        public async Task UpgradeAsync()
        {
            SupervisorProcess running = Supervisor!;
            running.Signal(Interop.Signals.SIGUSR2);
            SupervisorLogEvent upgrading = await running.WaitForEventAsync(EventIds.Upgrading);
            _successor = upgrading.Int("SuccessorPid");
            await running.WaitForEventAsync(EventIds.TakingOver, timeout: TimeSpan.FromSeconds(30));
            await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(running.Pid), TimeSpan.FromSeconds(30), "the old supervisor exited", running.Diagnostics);
        }

        public async ValueTask DisposeAsync()
        {
            if (_successor is int successor && ProcessTable.IsAlive(successor))
            {
                IReadOnlyList<int> workers = ProcessTable.ChildrenOf(successor);
                _ = Interop.Libc.Kill(successor, Interop.Signals.SIGKILL);
                foreach (int worker in workers)
                    _ = Interop.Libc.Kill(worker, Interop.Signals.SIGKILL);
            }
            if (Supervisor is not null)
                await Supervisor.DisposeAsync();
        }
    }

    /// <summary>Keep-alive clients through HAProxy, logged in once: two GET loops and two POST loops, every failure recorded.</summary>
    private sealed class FleetLoad
    {
        private readonly CommentsClient _client;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _failures = [];
        private readonly List<string> _acknowledged = [];
        private readonly Task _loops;
        private int _answered;

        private FleetLoad(CommentsClient client, Uri address, string marker)
        {
            _client = client;
            _loops = Task.WhenAll(Enumerable.Range(0, 4).Select(loop => Task.Run(async () =>
            {
                for (int i = 0; !_stop.IsCancellationRequested; i++)
                {
                    bool post = loop % 2 == 0;
                    try
                    {
                        if (post)
                        {
                            string content = $"{marker}-{loop}-{i}";
                            CommentPost posted = await _client.PostCommentAsync(content);
                            if (posted.Stored)
                            {
                                lock (_acknowledged) _acknowledged.Add(content);
                                Interlocked.Increment(ref _answered);
                            }
                            else
                                lock (_failures) _failures.Add($"POST: {posted}");
                        }
                        else
                        {
                            using HttpResponseMessage response = await _client.Http.GetAsync(new Uri(address, $"/echo?n={i}"));
                            if (response.IsSuccessStatusCode)
                                Interlocked.Increment(ref _answered);
                            else
                                lock (_failures) _failures.Add($"GET: HTTP {(int)response.StatusCode}");
                        }
                    }
                    catch (HttpRequestException e)
                    {
                        lock (_failures) _failures.Add($"{(post ? "POST" : "GET")}: {e.Message}");
                    }
                }
            })));
        }

        /// <summary>Logs in through HAProxy (the login page, the credentials and the next page may each reach another supervisor), then starts the loops.</summary>
        public static async Task<FleetLoad> StartAsync(Uri address, string marker)
        {
            var client = new CommentsClient(address);
            await client.LogInAsync();
            return new FleetLoad(client, address, marker);
        }

        public int Answered => Volatile.Read(ref _answered);

        public IReadOnlyList<string> Failures
        {
            get { lock (_failures) return _failures.ToList(); }
        }

        public IReadOnlyList<string> Acknowledged
        {
            get { lock (_acknowledged) return _acknowledged.ToList(); }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loops;
            _client.Dispose();
        }
    }
}
