using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Traps.Memory;

/// <summary>
/// Trap 4, a container's memory limit counted N times: a per-worker cache that grows by <see cref="ChunkBytes"/> on
/// every request and is never trimmed, the way an unbounded memoisation cache grows in production. Each worker's
/// runtime sizes its GC heap from the whole cgroup, so N of them together ask for more than the cgroup holds and the
/// kernel's OOM killer ends one; with a per-worker heap limit (ForkHost's fix) the runtime throws
/// OutOfMemoryException first, which this app answers with 503 after dropping its cache, and the worker lives.
/// </summary>
internal static class MemoryTrap
{
    public const int ChunkBytes = 16 * 1024 * 1024;

    private static readonly List<byte[]> Cache = [];
    private static readonly Lock CacheLock = new();

    public static void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
    }

    public static void Configure(WorkerContext context, WebApplication app)
    {
        IEndpointRouteBuilder endpoints = app;
        endpoints.MapPost("/memory/grow", () =>
        {
            try
            {
                byte[] chunk = new byte[ChunkBytes];
                // The kernel charges a page to the cgroup when it is first written, not when the GC reserves it.
                for (int i = 0; i < chunk.Length; i += Environment.SystemPageSize)
                    chunk[i] = 1;
                int count;
                lock (CacheLock)
                {
                    Cache.Add(chunk);
                    count = Cache.Count;
                }
                return Results.Json(Stats(context, count, outOfMemory: false));
            }
            catch (OutOfMemoryException)
            {
                // What the heap limit buys: the runtime says no to this request, and the worker sheds its cache.
                lock (CacheLock)
                    Cache.Clear();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                return Results.Json(Stats(context, 0, outOfMemory: true), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        endpoints.MapGet("/memory/stats", () =>
        {
            int count;
            lock (CacheLock)
                count = Cache.Count;
            return Results.Json(Stats(context, count, outOfMemory: false));
        });
    }

    /// <summary>What the lab reads: the worker's RSS against its GC heap, and the limit the runtime applies.</summary>
    private static MemoryStats Stats(WorkerContext context, int chunks, bool outOfMemory)
    {
        GCMemoryInfo info = GC.GetGCMemoryInfo(GCKind.Any);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new MemoryStats(
            context.WorkerId,
            Environment.ProcessId,
            chunks,
            outOfMemory,
            process.WorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            info.HeapSizeBytes,
            GC.GetGCMemoryInfo().TotalCommittedBytes,
            info.TotalAvailableMemoryBytes,
            AppContext.GetData("GCHeapHardLimit") is ulong hard ? (long)hard : 0);
    }
}
