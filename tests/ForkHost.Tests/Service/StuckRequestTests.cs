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
        string dumps = Directory.CreateDirectory(Path.Combine(_directory, "dumps")).FullName;
        string socket = Path.Combine(_directory, "control.sock");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp("LimitsApp"), "--workers", "2", "--bind", "127.0.0.1:0",
            "--request-hard-timeout", "3", "--graceful-timeout", "6", "--dump-dir", dumps, "--metrics-bind", "127.0.0.1:0", "--control-socket", socket);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        Uri metrics = new((await forkhost.WaitForEventAsync(EventIds.FleetEndpointServing)).String("Address")!);
        await forkhost.WaitForAllReadyAsync();

        await using var load = ContinuousLoad.Start(new Uri(address, "/pid"), clients: 4);
        using var hangingClient = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        Task<HttpResponseMessage> hanging = hangingClient.GetAsync(new Uri(address, "/hang"));

        SupervisorLogEvent stuck = await forkhost.WaitForEventAsync(EventIds.WorkerRequestStuck, timeout: TimeSpan.FromSeconds(20));
        int stuckPid = stuck.Int("WorkerPid");
        Assert.Equal("GET", stuck.String("Method"));
        Assert.Equal("/hang", stuck.String("Path"));
        Assert.True(double.Parse(stuck.String("AgeSeconds")!, System.Globalization.CultureInfo.InvariantCulture) > 3, stuck.Message);

        SupervisorLogEvent replacing = await forkhost.WaitForEventAsync(EventIds.WorkerReplacingStuck, timeout: TimeSpan.FromSeconds(20));
        Assert.Equal(stuckPid, replacing.Int("WorkerPid"));
        Assert.NotEqual(stuckPid, replacing.Int("ReplacementPid"));

        // While it drains, status and /metrics show how old its request is.
        await using (var status = ForkHostProcess.Start(["status", "--json", "--control-socket", socket]))
        {
            Assert.Equal(0, await status.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            JsonElement worker = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("status").GetProperty("workers").EnumerateArray()
                .Single(w => w.GetProperty("pid").GetInt32() == stuckPid);
            Assert.Equal("GET /hang", worker.GetProperty("oldestRequest").GetString());
            Assert.True(worker.GetProperty("oldestRequestAgeMs").GetInt64() >= 3000, worker.ToString());
            output.WriteLine($"status: {worker}");
        }
        using (HttpClient scraper = Http.CreateClient())
        {
            PrometheusScrape scrape = await PrometheusScrape.GetAsync(scraper, metrics);
            double age = scrape.Sum("forkhost_worker_oldest_request_age_seconds", ("pid", stuckPid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.True(age >= 3, $"forkhost_worker_oldest_request_age_seconds of the stuck worker: {age}");
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
        SupervisorLogEvent exited = await forkhost.WaitForEventAsync(EventIds.WorkerExited, e => e.Int("WorkerPid") == stuckPid, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("requeststuck", exited.String("StopReason"));
        Assert.True(exited.Timestamp - replacing.Timestamp >= TimeSpan.FromSeconds(5), $"stopped {(exited.Timestamp - replacing.Timestamp).TotalSeconds:0.0} s after its replacement was ready");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await load.StopAsync();

        Assert.Empty(load.Failures);
        Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
        Assert.Single(forkhost.EventsWithId(EventIds.WorkerRequestStuck));
        Assert.Equal(2, forkhost.WorkerPids().Count);
        Assert.DoesNotContain(stuckPid, forkhost.WorkerPids());
        await Assert.ThrowsAnyAsync<Exception>(async () => (await hanging).EnsureSuccessStatusCode());
        output.WriteLine($"{load.Answered} requests answered during the replacement, none failed");
        DateTimeOffset start = stuck.Timestamp;
        output.WriteLine($"after the stuck line: replacement ready +{(replacing.Timestamp - start).TotalSeconds:0.0} s, stacks +{(stacks.Timestamp - start).TotalSeconds:0.0} s, "
            + $"dump +{(dump.Timestamp - start).TotalSeconds:0.0} s, stuck worker gone +{(exited.Timestamp - start).TotalSeconds:0.0} s");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
