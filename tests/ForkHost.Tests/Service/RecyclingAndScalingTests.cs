using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

public sealed class RecyclingAndScalingTests
{
    [Fact]
    public async Task Ttin_and_ttou_change_the_worker_count_by_one_each()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0");
        await forkhost.WaitForAllReadyAsync();

        forkhost.Signal(21 /* SIGTTIN */);
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 3, TimeSpan.FromSeconds(10), "3 workers after TTIN", forkhost.Diagnostics);
        await forkhost.WaitForEventAsync(EventIds.WorkerReady, count: 3);

        // Standard signals do not queue: a second TTOU sent while the first is pending would be merged with it.
        forkhost.Signal(22 /* SIGTTOU */);
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 2, TimeSpan.FromSeconds(10), "2 workers after TTOU", forkhost.Diagnostics);
        forkhost.Signal(22 /* SIGTTOU */);
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Count == 1, TimeSpan.FromSeconds(10), "1 worker after two TTOU", forkhost.Diagnostics);

        forkhost.Signal(22 /* SIGTTOU: never below one */);
        await Task.Delay(500);
        Assert.Single(forkhost.WorkerPids());
    }

    [Fact]
    public async Task Max_requests_recycles_workers_one_at_a_time_under_load_without_a_failed_request()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "3", "--bind", "127.0.0.1:0",
            "--max-requests", "50", "--max-requests-jitter", "10");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        // Keep-alive clients, as a browser or a proxy would be, until four workers have been recycled (30 s at most).
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        await using var load = ContinuousLoad.Start(new Uri(address, "/"), clients: 6,
            until: () => forkhost.EventsWithId(EventIds.WorkerRecycling).Count >= 4 || DateTimeOffset.UtcNow > deadline);
        await load.StopAsync(waitForUntil: true);

        Assert.Empty(load.Failures);
        IReadOnlyList<SupervisorLogEvent> recycled = forkhost.EventsWithId(EventIds.WorkerRecycling);
        Assert.True(recycled.Count >= 4, $"only {recycled.Count} recyclings for {load.Answered} requests in 30 s");
        Assert.All(recycled, e => Assert.Contains("--max-requests limit", e.String("Reason")));

        // One at a time: each recycled worker has exited before the next one is told to go.
        IReadOnlyList<SupervisorLogEvent> events = forkhost.Events;
        for (int i = 1; i < recycled.Count; i++)
        {
            int previousPid = recycled[i - 1].Int("WorkerPid");
            Assert.Contains(events, e => e.EventId == EventIds.WorkerExited && e.Int("WorkerPid") == previousPid && e.Timestamp <= recycled[i].Timestamp);
        }
    }

    [Fact]
    public async Task A_worker_above_max_worker_memory_is_recycled_gracefully()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--max-worker-memory", "1");
        await forkhost.WaitForAllReadyAsync();
        SupervisorLogEvent recycling = await forkhost.WaitForEventAsync(EventIds.WorkerRecycling);
        Assert.Contains("above --max-worker-memory 1 MiB", recycling.String("Reason"));
        await forkhost.WaitForEventAsync(EventIds.WorkerExited, e => e.Int("WorkerPid") == recycling.Int("WorkerPid"));
        await forkhost.WaitForEventAsync(EventIds.WorkerReady, count: 2);
    }
}
