namespace Traps.Memory;

/// <summary>One worker's memory, as /memory/grow and /memory/stats answer it (JSON, camelCase).</summary>
/// <param name="Rss">The process's resident set, what the cgroup is charged for this worker (plus its page cache).</param>
/// <param name="HeapSizeBytes">The GC heap after the last collection; RSS minus this is the runtime's own, non-GC memory.</param>
/// <param name="TotalAvailableMemoryBytes">What the GC thinks it may use: the heap hard limit when one is set, else the cgroup's limit or the machine's memory.</param>
internal sealed record MemoryStats(
    int WorkerId,
    int Pid,
    int CachedChunks,
    bool OutOfMemory,
    long Rss,
    long AllocatedBytes,
    long HeapSizeBytes,
    long CommittedBytes,
    long TotalAvailableMemoryBytes,
    long HeapHardLimit);
