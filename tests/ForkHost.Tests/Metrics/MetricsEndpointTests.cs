using System.Diagnostics;
using System.Net.Sockets;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Metrics;

/// <summary>/metrics of the real supervisor, with real workers, on loopback.</summary>
public sealed class MetricsEndpointTests
{
    private const string RequestCount = "http_server_request_duration_seconds_count";

    [Fact]
    public async Task After_1000_requests_through_4_workers_two_of_them_recycled_the_request_count_is_exactly_1000()
    {
        // With --max-requests 200, four slots' current workers hold at most 199 each, so 1,000 requests cannot be
        // served without at least two recycles: their counts reach the totals only through their last reports.
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "4", "--bind", "127.0.0.1:0",
            "--max-requests", "200", "--metrics-bind", "127.0.0.1:0");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        Uri metrics = await MetricsAddressAsync(forkhost);
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();

        int next = 0;
        var clients = Enumerable.Range(0, 4).Select(async _ =>
        {
            // One connection per request: a shared socket spreads new connections evenly, so every worker reaches
            // --max-requests. Keep-alive connections stick to a worker, and two on one worker left it the only one
            // recycled (it serves past its limit until its stop arrives) while the others stayed under it.
            using var perRequest = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
            while (Interlocked.Increment(ref next) <= 1000)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, address);
                request.Headers.ConnectionClose = true;
                (await perRequest.SendAsync(request)).EnsureSuccessStatusCode();
            }
        });
        await Task.WhenAll(clients);

        // The live workers report at the heartbeat interval, the recycled ones once more after their drain.
        PrometheusScrape scrape = await ScrapeUntilAsync(client, metrics, s => s.Sum(RequestCount) >= 1000 && s.Sum("forkhost_worker_exits_total", ("reason", "recycled_requests")) >= 2,
            "1,000 requests and two recycled workers in /metrics", forkhost);
        // Two more heartbeat intervals: a report counted twice would show now.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        scrape = await PrometheusScrape.GetAsync(client, metrics);

        Assert.Equal(1000, scrape.Sum(RequestCount));
        Assert.Equal(1000, scrape.Sum("http_server_request_duration_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(1000, scrape.Sum(RequestCount, ("http_request_method", "GET"), ("http_route", "/"), ("http_response_status_code", "200")));
        Assert.True(scrape.Sum("forkhost_worker_exits_total", ("reason", "recycled_requests")) >= 2);
        // Every slot has a worker, ready or still replacing a recycled one.
        Assert.True(scrape.Sum("forkhost_workers") >= 4, $"{scrape.Sum("forkhost_workers")} workers");
        Assert.Equal(1, scrape.Sum("forkhost_live"));
    }

    [Fact]
    public async Task The_backlog_gauge_rises_while_every_worker_is_stopped_and_falls_back_after()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0",
            "--metrics-bind", "127.0.0.1:0", "--timeout", "120");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        Uri metrics = await MetricsAddressAsync(forkhost);
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();
        string listener = address.ToString().TrimEnd('/');
        Assert.Equal(0, (await PrometheusScrape.GetAsync(client, metrics)).Sum("forkhost_listen_backlog_depth", ("address", listener)));

        IReadOnlyList<int> workers = forkhost.WorkerPids();
        var queued = new List<Socket>();
        try
        {
            foreach (int pid in workers)
                Assert.Equal(0, Interop.Libc.Kill(pid, Interop.Signals.SIGSTOP));
            await Eventually.HoldsAsync(() => workers.All(IsStopped), TimeSpan.FromSeconds(5), "every worker stopped", forkhost.Diagnostics);
            for (int i = 0; i < 5; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                queued.Add(socket);
                // The kernel completes the handshake itself; the connection then waits for an accept that does not come.
                await socket.ConnectAsync(address.Host, address.Port);
            }

            PrometheusScrape stopped = await PrometheusScrape.GetAsync(client, metrics);
            Assert.Equal(5, stopped.Sum("forkhost_listen_backlog_depth", ("address", listener)));
            Assert.Equal(512, stopped.Sum("forkhost_listen_backlog_limit", ("address", listener)));
        }
        finally
        {
            foreach (int pid in workers)
                Interop.Libc.Kill(pid, Interop.Signals.SIGCONT);
        }

        await ScrapeUntilAsync(client, metrics, s => s.Sum("forkhost_listen_backlog_depth", ("address", listener)) == 0,
            "the backlog empty once the workers run again", forkhost);
        foreach (Socket socket in queued)
            socket.Dispose();
    }

    private static async Task<Uri> MetricsAddressAsync(SupervisorProcess forkhost)
    {
        SupervisorLogEvent serving = await forkhost.WaitForEventAsync(EventIds.FleetEndpointServing);
        return new Uri(serving.String("Address")!);
    }

    private static async Task<PrometheusScrape> ScrapeUntilAsync(HttpClient client, Uri metrics, Func<PrometheusScrape, bool> condition, string what, SupervisorProcess forkhost)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            PrometheusScrape scrape = await PrometheusScrape.GetAsync(client, metrics);
            if (condition(scrape))
                return scrape;
            if (watch.Elapsed > TimeSpan.FromSeconds(15))
                Assert.Fail($"Not within 15 s: {what}; last count {scrape.Sum(RequestCount)}\n{forkhost.Diagnostics()}");
            await Task.Delay(100);
        }
    }

    /// <summary>State T in /proc/PID/stat: stopped by a signal.</summary>
    private static bool IsStopped(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('T');
    }
}
