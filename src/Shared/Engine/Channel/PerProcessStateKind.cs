namespace ForkHost.Channel;

/// <summary>
/// A registration whose state lives in one worker's memory, so that N workers keep N copies of what the app may take
/// for one (multi-process trap 3, docs/multi-process-traps.md). Sent by name on the channel: never renumber.
/// </summary>
internal enum PerProcessStateKind
{
    /// <summary>AddSession over AddDistributedMemoryCache: a session lives in the worker that created it.</summary>
    Session,
    /// <summary>AddDistributedMemoryCache without sessions: an IDistributedCache that is not distributed.</summary>
    DistributedMemoryCache,
    /// <summary>AddMemoryCache: fine as a cache, wrong as the truth (a counter, a lock, a list of logged-out tokens).</summary>
    MemoryCache,
    /// <summary>AddRateLimiter: each worker counts its own permits.</summary>
    RateLimiter,
    /// <summary>AddOutputCache with the default in-memory IOutputCacheStore: each worker renders and caches its own copy; eviction by tag reaches one.</summary>
    OutputCache,
    /// <summary>An app IHostedService not placed in one worker: it runs in every worker.</summary>
    HostedService,
    /// <summary>A Data Protection key ring kept in this worker's memory: every cookie and token dies with the worker.</summary>
    KeyRing,
}
