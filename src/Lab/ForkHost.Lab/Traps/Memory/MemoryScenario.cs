using System.Net;
using ForkHost.Lab.Processes;
using ForkHost.Logging;

namespace ForkHost.Lab.Demo.Traps.Memory;

/// <summary>
/// Trap 4, a container's memory limit counted N times: the supervisor runs in a memory cgroup limited to
/// <see cref="LimitFor"/>, and every worker's cache grows by 16 MiB a request (/memory/grow, one connection per
/// request, dealt out by --balance dispatch) until the workers together would hold twice the limit. With
/// --worker-heap-limit off every runtime believes 75 % of the limit is its own, so the kernel's OOM killer ends
/// workers; with auto each has its share as a heap hard limit, sees OutOfMemoryException (503) instead, and lives.
/// </summary>
internal sealed class MemoryScenario(bool isFixed) : TrapScenario
{
    private const long MiB = 1024 * 1024;
    private const long ChunkBytes = 16 * MiB;

    public override string Number => Fixed ? "10b" : "10a";
    public override string Trap => "a container's memory limit counted N times";
    public override string Name => Fixed ? "per-worker heap limit (auto)" : "--worker-heap-limit off";
    public override bool Fixed { get; } = isFixed;
    public override string FailureLabel => "OOM kills";
    public override string Explanation => Fixed
        ? "Each worker's DOTNET_GCHeapHardLimit is its share of the cgroup's limit: the GC throws OutOfMemoryException first."
        : "Each worker sizes its GC heap from the whole cgroup (75 %): together they pass the limit and the OOM killer ends them.";

    /// <summary>
    /// The supervisor's reserve and each worker's non-heap memory (as ForkHost counts them: 128 MiB and 48 MiB, about
    /// 96 and 27 measured) plus an 80 MiB heap per worker: 640 MiB for 4 workers, which the fixed half keeps under and
    /// the broken half's 75 % (480 MiB) per worker passes after a few requests each.
    /// </summary>
    public static long LimitFor(int workers) => (128 + workers * (48 + 80)) * MiB;

    public override string? CannotRunBecause() => MemoryCgroup.FindParent().Reason;

    public override async Task RunAsync(TrapRun run, TrapResult result, CancellationToken cancellationToken)
    {
        long limit = LimitFor(run.Workers);
        using MemoryCgroup cgroup = MemoryCgroup.Create(limit);
        // Twice the limit in total: far past it for the broken half, many OutOfMemoryExceptions for the fixed one.
        int requests = (int)(2 * limit / ChunkBytes);
        int grown = 0, refused = 0, failed = 0, answeredAfter = 0;
        SupervisorProcess supervisor = run.Start(
            ["--balance", "dispatch", .. Fixed ? Array.Empty<string>() : ["--worker-heap-limit", "off"]],
            executable: cgroup.Wrapper);
        try
        {
            Uri address = await supervisor.WaitForHttpAddressAsync(TrapRun.ReadyTimeout);
            await supervisor.WaitForAllReadyAsync(TrapRun.ReadyTimeout);
            foreach (SupervisorLogEvent said in supervisor.EventsWithId(Fixed ? EventIds.WorkerHeapLimitSet : EventIds.WorkerHeapLimitOff))
                result.Findings.Add(said.Message);

            using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
            using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
            for (int i = 0; i < requests; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/memory/grow");
                // One connection per request, so that dispatch hands each to the next worker.
                request.Headers.ConnectionClose = true;
                try
                {
                    using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                        grown++;
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        if (refused++ == 0)
                            result.Samples.Add($"request {i + 1}: 503, the worker's GC said OutOfMemoryException at its heap limit and it dropped its cache");
                    }
                    else
                        failed++;
                }
                catch (HttpRequestException e)
                {
                    // The worker that held the connection was killed under it.
                    if (failed++ == 0)
                        result.Samples.Add($"request {i + 1}: {e.Message}");
                }
            }

            // The service must answer afterwards: replacements of the killed workers serve.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            for (int i = 0; i < run.Workers * 2; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/memory/stats");
                request.Headers.ConnectionClose = true;
                try
                {
                    using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                        answeredAfter++;
                }
                catch (HttpRequestException)
                {
                }
                if (answeredAfter == 0)
                    await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            if (answeredAfter == 0)
                result.Error = "the service did not answer after the OOM kills";
        }
        finally
        {
            await supervisor.StopAsync(TimeSpan.FromSeconds(10));
        }

        long oomKills = cgroup.OomKills();
        result.Failures = oomKills;
        result.Count("cgroup limit MiB", limit / MiB);
        result.Count("requests", requests);
        result.Count("grown", grown);
        result.Count("OutOfMemoryException (503)", refused);
        result.Count("failed", failed);
        result.Count("workers logged as OOM-killed", supervisor.EventsWithId(EventIds.WorkerOomKilled).Count);
        result.Count("answered after", answeredAfter);
        if (oomKills > 0)
            result.Samples.Add($"the kernel's OOM killer ended {oomKills} workers; ForkHost replaced them and kept serving");
    }
}
