using System.Diagnostics;
using System.Net;
using ForkHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ForkHost.Tests.Service;

/// <summary>
/// --limit-request-*, --keep-alive, --worker-connections and --request-timeout against a real supervisor and its
/// workers, and slowloris against Kestrel's own defences: every refusal is the right status code, and the worker that
/// gave it answers the next request.
/// </summary>
public sealed class RequestLimitsTests(ITestOutputHelper output)
{
    private static readonly string App = RepositoryPaths.TestApp("LimitsApp");

    [Fact]
    public async Task Each_limit_answers_its_status_code_and_the_same_worker_serves_the_next_request()
    {
        // The app's configuration (Kestrel:Limits, from its environment) says otherwise; the options win.
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", App, "--workers", "1", "--bind", "127.0.0.1:0",
                "--limit-request-line", "1024", "--limit-request-fields", "20", "--limit-request-field-size", "2000", "--limit-request-body", "100000"],
            new Dictionary<string, string> { ["Kestrel__Limits__MaxRequestLineSize"] = "65536", ["Kestrel__Limits__MaxRequestBodySize"] = "10" });
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));
        using HttpClient client = Http.CreateClient();
        string pid = await client.GetStringAsync(new Uri(address, "/pid"));

        async Task<HttpStatusCode> SendAsync(HttpRequestMessage request)
        {
            using HttpResponseMessage response = await client.SendAsync(request);
            return response.StatusCode;
        }
        async Task SameWorkerAnswersAsync(string after) =>
            Assert.True(await client.GetStringAsync(new Uri(address, "/pid")) == pid, $"another worker answered after {after}");

        Assert.Equal(HttpStatusCode.OK, await SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid?q=" + new string('a', 900)))));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, await SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid?q=" + new string('a', 1100)))));
        await SameWorkerAnswersAsync("414");

        var many = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid"));
        for (int i = 0; i < 25; i++)
            many.Headers.Add($"X-Field-{i}", "v");
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, await SendAsync(many));
        await SameWorkerAnswersAsync("431 for too many fields");

        var fits = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid"));
        fits.Headers.Add("X-Large", new string('b', 1900));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(fits));
        var large = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid"));
        large.Headers.Add("X-Large", new string('b', 2100));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, await SendAsync(large));
        await SameWorkerAnswersAsync("431 for a large field");

        using (HttpResponseMessage echoed = await client.PostAsync(new Uri(address, "/echo"), new ByteArrayContent(new byte[50_000])))
            Assert.Equal("50000", await echoed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge,
            await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/echo")) { Content = new ByteArrayContent(new byte[150_000]) }));
        await SameWorkerAnswersAsync("413");
        Assert.Equal([int.Parse(pid)], forkhost.WorkerPids());
    }

    [Fact]
    public async Task Keep_alive_closes_a_connection_idle_for_longer_and_keeps_one_in_use()
    {
        await using var forkhost = ForkHostProcess.Run(App, "--workers", "1", "--bind", "127.0.0.1:0", "--keep-alive", "2");
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));

        using RawHttpConnection busy = await RawHttpConnection.OpenAsync(address);
        using RawHttpConnection idle = await RawHttpConnection.OpenAsync(address);
        Assert.Equal(200, (await idle.GetAsync("/pid")).Status);
        var watch = Stopwatch.StartNew();
        Task<bool> closed = idle.WaitForCloseAsync(TimeSpan.FromSeconds(10));
        // A request every second keeps the other connection open past the timeout.
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(200, (await busy.GetAsync("/pid")).Status);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Assert.True(await closed, "the idle connection was still open after 10 s");
        output.WriteLine($"idle connection closed after {watch.Elapsed.TotalSeconds:0.0} s (--keep-alive 2)");
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.5, 8);
        Assert.Equal(200, (await busy.GetAsync("/pid")).Status);
    }

    [Fact]
    public async Task Worker_connections_caps_the_connections_a_worker_holds_and_a_freed_place_is_taken_again()
    {
        await using var forkhost = ForkHostProcess.Run(App, "--workers", "1", "--bind", "127.0.0.1:0", "--worker-connections", "2");
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));

        RawHttpConnection first = await RawHttpConnection.OpenAsync(address);
        using RawHttpConnection second = await RawHttpConnection.OpenAsync(address);
        Assert.Equal(200, (await first.GetAsync("/pid")).Status);
        Assert.Equal(200, (await second.GetAsync("/pid")).Status);

        using (RawHttpConnection third = await RawHttpConnection.OpenAsync(address))
        {
            // Kestrel closes a connection past the limit at once, without an answer.
            await third.WriteAsync("GET /pid HTTP/1.1\r\nHost: test\r\n\r\n");
            Assert.True(await third.WaitForCloseAsync(TimeSpan.FromSeconds(10)), "a third connection was kept open");
        }

        first.Dispose();
        await Eventually.HoldsAsync(() => TryGetOnNewConnection(address), TimeSpan.FromSeconds(10), "a new connection is served once one closed");
        Assert.Equal(200, (await second.GetAsync("/pid")).Status);
    }

    private static bool TryGetOnNewConnection(Uri address)
    {
        try
        {
            using RawHttpConnection connection = RawHttpConnection.OpenAsync(address).GetAwaiter().GetResult();
            return connection.GetAsync("/pid", TimeSpan.FromSeconds(5)).GetAwaiter().GetResult().Status == 200;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Request_timeout_fires_RequestAborted_and_answers_504_except_where_the_endpoint_disables_it()
    {
        await using var forkhost = ForkHostProcess.Run(App, "--workers", "1", "--bind", "127.0.0.1:0", "--request-timeout", "1");
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));
        using HttpClient client = Http.CreateClient();

        var watch = Stopwatch.StartNew();
        using (HttpResponseMessage timedOut = await client.GetAsync(new Uri(address, "/slow?ms=30000")))
            Assert.Equal(HttpStatusCode.GatewayTimeout, timedOut.StatusCode);
        output.WriteLine($"504 after {watch.Elapsed.TotalSeconds:0.00} s (--request-timeout 1)");
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 10);
        Assert.Equal("1", await client.GetStringAsync(new Uri(address, "/aborted")));

        // [DisableRequestTimeout] on the endpoint: the middleware sits after routing, so it sees the endpoint's metadata.
        Assert.Equal("waited", await client.GetStringAsync(new Uri(address, "/slow-disabled?ms=1500")));
        Assert.Equal("1", await client.GetStringAsync(new Uri(address, "/aborted")));
    }

    [Fact]
    public async Task A_hundred_slowloris_connections_do_not_slow_normal_requests_and_Kestrel_Limits_closes_them()
    {
        // No ForkHost option for it: the app's Kestrel:Limits (here from its environment) is honoured as it is.
        await using var forkhost = ForkHostProcess.Start(["run", "--app", App, "--workers", "2", "--bind", "127.0.0.1:0"],
            new Dictionary<string, string> { ["Kestrel__Limits__RequestHeadersTimeout"] = "00:00:05" });
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));
        using HttpClient client = Http.CreateClient();
        await MeasureAsync(client, address, 20); // warm-up: JIT, connection set-up on both workers
        List<double> before = await MeasureAsync(client, address, 50);

        using var stop = new CancellationTokenSource();
        var closedAfter = new List<double>();
        var attack = Stopwatch.StartNew();
        var slow = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => RawHttpConnection.OpenAsync(address)));
        Task[] attackers = slow.Select(connection => Task.Run(async () =>
        {
            Task<bool> closed = connection.WaitForCloseAsync(TimeSpan.FromSeconds(30));
            try
            {
                // Headers a byte at a time, never finished.
                foreach (char c in "GET / HTTP/1.1\r\nHost: test\r\nX-Slow: " + new string('s', 1000))
                {
                    if (closed.IsCompleted || stop.IsCancellationRequested)
                        break;
                    await connection.WriteAsync(c.ToString());
                    await Task.Delay(200);
                }
            }
            catch (IOException)
            {
                // Closed by the server between two bytes.
            }
            if (await closed)
                lock (closedAfter) closedAfter.Add(attack.Elapsed.TotalSeconds);
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(1));
        List<double> during = await MeasureAsync(client, address, 100);
        await Task.WhenAll(attackers).WaitAsync(TimeSpan.FromSeconds(40));
        foreach (RawHttpConnection connection in slow)
            connection.Dispose();

        double p99 = Percentile(during, 0.99);
        output.WriteLine($"normal requests (new connection each), before: p50 {Percentile(before, 0.5):0.0} ms, p99 {Percentile(before, 0.99):0.0} ms, max {before.Max():0.0} ms");
        output.WriteLine($"during 100 slowloris connections: p50 {Percentile(during, 0.5):0.0} ms, p99 {p99:0.0} ms, max {during.Max():0.0} ms");
        output.WriteLine($"slowloris connections closed by the server: {closedAfter.Count} of 100, after {closedAfter.DefaultIfEmpty().Min():0.0}–{closedAfter.DefaultIfEmpty().Max():0.0} s (Kestrel:Limits:RequestHeadersTimeout 5 s)");
        Assert.True(p99 < 100, $"p99 {p99:0.0} ms during the attack (limit 100 ms)");
        Assert.Equal(100, closedAfter.Count);
        Assert.All(closedAfter, seconds => Assert.InRange(seconds, 4, 15));
    }

    /// <summary>Sequential GETs, each on a new connection (what a slowloris attack competes with), in milliseconds.</summary>
    private static async Task<List<double>> MeasureAsync(HttpClient client, Uri address, int requests)
    {
        var latencies = new List<double>();
        for (int i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/pid"));
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        return latencies;
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
    }
}
