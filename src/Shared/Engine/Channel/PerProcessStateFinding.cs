using System.Globalization;

namespace ForkHost.Channel;

/// <summary>
/// One registration of the app's that keeps state per worker process, as a worker found it in the app's services
/// before it served (<see cref="StateFindingsMessage"/>). The supervisor words it with its own worker count, which the
/// worker does not know and which TTIN/TTOU change.
/// </summary>
/// <param name="Service">What was registered, as the app wrote it: "AddRateLimiter", or the hosted service's type name.</param>
internal sealed record PerProcessStateFinding(PerProcessStateKind Kind, string Service)
{
    /// <summary>
    /// Findings that lose or duplicate data, not just efficiency: work done once per worker, and cookies that die with
    /// the worker that protected them. --fork-safety strict refuses to start on these.
    /// </summary>
    public bool LosesData => Kind is PerProcessStateKind.HostedService or PerProcessStateKind.KeyRing;

    /// <summary>The finding and its consequence with <paramref name="workers"/> workers, and what to do, in one sentence.</summary>
    public string Describe(int workers)
    {
        string n = workers.ToString(CultureInfo.InvariantCulture);
        return Kind switch
        {
            PerProcessStateKind.Session =>
                $"{Service}: each of the {n} workers keeps its own sessions, so a client's next request, served by another worker, finds its session empty; register a shared IDistributedCache (Redis, SQL, MySQL) before AddSession",
            PerProcessStateKind.DistributedMemoryCache =>
                $"{Service}: the IDistributedCache is one per worker, so each of the {n} workers sees only what it stored itself; register a shared IDistributedCache",
            PerProcessStateKind.MemoryCache =>
                $"{Service}: each of the {n} workers keeps its own entries; fine as a cache, wrong as the truth (counters, locks, revoked tokens): keep those in the database or a shared store",
            PerProcessStateKind.RateLimiter =>
                $"{Service}: each of the {n} workers keeps its own partitions, so a client can make up to {n}× the configured permits; count permits in a shared store, or divide the limits by {n}",
            PerProcessStateKind.OutputCache =>
                $"{Service}: the default IOutputCacheStore is in memory, so each of the {n} workers renders and caches its own copy and EvictByTagAsync clears one worker's; register a shared store (AddStackExchangeRedisOutputCache)",
            PerProcessStateKind.HostedService =>
                $"hosted service {Service} runs in each of the {n} workers, so its work is done {n} times; register it with services.AddPlacedHostedService<{ShortName}>() to run it in one worker",
            PerProcessStateKind.KeyRing =>
                $"{Service}: the key ring is kept in each worker's memory, so a cookie or token one of the {n} workers protects is refused by the others and by every recycled worker, and all are lost at restart; give the supervisor a state directory (--state-dir, STATE_DIRECTORY) or persist the keys yourself (PersistKeysToFileSystem, PersistKeysToDbContext…)",
            _ => $"{Service}: state kept per worker",
        };
    }

    /// <summary>The type as C# names it after a using: "Jobs.NightlyReport" → "NightlyReport", a nested "Jobs.App+Sync" → "App.Sync".</summary>
    private string ShortName => Service[(Service.LastIndexOf('.') + 1)..].Replace('+', '.');
}
