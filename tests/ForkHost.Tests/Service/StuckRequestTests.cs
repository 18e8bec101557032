using System.Text.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ForkHost.Tests.Service;

/// <summary>
/// --request-hard-timeout against real workers: a request that blocks its thread for good gets its worker replaced (a
/// new one first, then the old one drains) while other clients lose nothing; the request, the worker's stacks and a
/// dump are there for whoever looks into it, and status and /metrics show the request's age meanwhile.
/// </summary>
public sealed class StuckRequestTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-stuck-").FullName;

    [Fact]
    public async Task A_request_past_the_hard_timeout_gets_its_worker_replaced_with_no_failed_request_its_stacks_logged_and_a_dump_written()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string dumps = Directory.CreateDirectory(Path.Combine(_directory, "dumps")).FullName;
        string socket = Path.Combine(_directory, "control.sock");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("LimitsApp"), "--workers", "2", "--bind", "127.0.0.1:0",
            "--request-hard-timeout", "5", "--graceful-timeout", "10", "--dump-dir", dumps, "--metrics-bind", "127.0.0.1:0", "--control-socket", socket);
        Uri address = await forkhost.WaitForHttpAddressAsync(TimeSpan.FromSeconds(60));
        Uri metrics = new((await forkhost.WaitForEventAsync(EventIds.FleetEndpointServing)).String("Address")!);
        await forkhost.WaitForAllReadyAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"ready +{watch.Elapsed.TotalSeconds:0.0} s");

        await using var load = ContinuousLoad.Start(new Uri(address, "/pid"), clients: 4);
        // A raw connection: HttpClient would retry the GET on another worker when this one goes, and hang that one too.
        using RawHttpConnection hanging = await RawHttpConnection.OpenAsync(address);
        await hanging.WriteAsync("GET /hang HTTP/1.1\r\nHost: test\r\n\r\n");

        SupervisorLogEvent stuck = await forkhost.WaitForEventAsync(EventIds.WorkerRequestStuck, e => e.String("Path") == "/hang", timeout: TimeSpan.FromSeconds(60));
        int stuckPid = stuck.Int("WorkerPid");
        Assert.Equal("GET", stuck.String("Method"));
        Assert.Equal("/hang", stuck.String("Path"));
        Assert.True(double.Parse(stuck.String("AgeSeconds")!, System.Globalization.CultureInfo.InvariantCulture) > 5, stuck.Message);

        SupervisorLogEvent replacing = await forkhost.WaitForEventAsync(EventIds.WorkerReplacingStuck, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(stuckPid, replacing.Int("WorkerPid"));
        Assert.NotEqual(stuckPid, replacing.Int("ReplacementPid"));

        // While it drains, status and /metrics show how old its request is.
        JsonElement worker = await StuckWorkerInStatusAsync(socket, stuckPid);
        Assert.Equal("GET /hang", worker.GetProperty("oldestRequest").GetString());
        Assert.True(worker.GetProperty("oldestRequestAgeMs").GetInt64() >= 5000, worker.ToString());
        output.WriteLine($"status: {worker}");
        using (HttpClient scraper = Http.CreateClient())
        {
            PrometheusScrape scrape = await PrometheusScrape.GetAsync(scraper, metrics);
            double age = scrape.Sum("forkhost_worker_oldest_request_age_seconds", ("pid", stuckPid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(age >= 5, $"forkhost_worker_oldest_request_age_seconds of the stuck worker: {age}");
        }

        SupervisorLogEvent stacks = await forkhost.WaitForEventAsync(EventIds.WorkerStacks, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(stuckPid, stacks.Int("WorkerPid"));
        Assert.Contains("ForkHost.TestApps.LimitsApp.HangForever()", stacks.String("Stacks"));
        output.WriteLine(stacks.Message[..Math.Min(stacks.Message.Length, 3000)]);
        SupervisorLogEvent dump = await forkhost.WaitForEventAsync(EventIds.WorkerDumpWritten, timeout: TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(dump.String("DumpPath")), dump.Message);
        Assert.Equal(dumps, Path.GetDirectoryName(dump.String("DumpPath")));
        output.WriteLine(dump.Message);

        // It was given its whole --graceful-timeout, not killed for the stuck request itself.
        SupervisorLogEvent exited = await forkhost.WaitForEventAsync(EventIds.WorkerExited, e => e.Int("WorkerPid") == stuckPid, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal("requeststuck", exited.String("StopReason"));
        Assert.True(exited.Timestamp - replacing.Timestamp >= TimeSpan.FromSeconds(9), $"stopped {(exited.Timestamp - replacing.Timestamp).TotalSeconds:0.0} s after its replacement was ready");
        output.WriteLine($"stuck worker gone +{watch.Elapsed.TotalSeconds:0.0} s");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();
        output.WriteLine($"load stopped +{watch.Elapsed.TotalSeconds:0.0} s");

        Assert.Empty(load.Failures);
        Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
        Assert.Single(forkhost.EventsWithId(EventIds.WorkerRequestStuck), e => e.String("Path") == "/hang");
        Assert.Equal(2, forkhost.WorkerPids().Count);
        Assert.DoesNotContain(stuckPid, forkhost.WorkerPids());
        // The stuck request itself ends with its worker, unanswered.
        Assert.True(await hanging.WaitForCloseAsync(TimeSpan.FromSeconds(5)), "the stuck request's connection is still open");
        output.WriteLine($"{load.Answered} requests answered during the replacement, none failed (+{watch.Elapsed.TotalSeconds:0.0} s)");
        DateTimeOffset start = stuck.Timestamp;
        output.WriteLine($"after the stuck line: replacement ready +{(replacing.Timestamp - start).TotalSeconds:0.0} s, stacks +{(stacks.Timestamp - start).TotalSeconds:0.0} s, "
            + $"dump +{(dump.Timestamp - start).TotalSeconds:0.0} s, stuck worker gone +{(exited.Timestamp - start).TotalSeconds:0.0} s");
    }

    /// <summary>forkhost status --json until it answers (a loaded machine can make it miss its 10 s) with the stuck worker in it.</summary>
    private static async Task<JsonElement> StuckWorkerInStatusAsync(string socket, int stuckPid)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string last = "";
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var status = ForkHostProcess.Start(["status", "--json", "--control-socket", socket]);
            if (await status.WaitForExitAsync(TimeSpan.FromSeconds(15)) == 0)
            {
                JsonElement[] workers = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("status").GetProperty("workers").EnumerateArray().ToArray();
                Assert.Contains(workers, w => w.GetProperty("pid").GetInt32() == stuckPid);
                return workers.Single(w => w.GetProperty("pid").GetInt32() == stuckPid).Clone();
            }
            last = status.Stderr;
        }
        Assert.Fail($"forkhost status did not answer within 30 s: {last}");
        return default;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
