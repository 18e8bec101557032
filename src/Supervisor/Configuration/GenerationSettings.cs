using ForkHost.Apps;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Settings a generation of workers runs with, which a reload (SIGHUP) may change: the app, the number of workers,
/// the timeouts, recycling, the stop sequence, readiness, the fork-safety and MySQL settings of the load step, and the
/// TLS certificate, read from its files again on every reload (<see cref="Tls.ServerCertificateLoader"/>). Produced only by
/// <see cref="RunSettingsLoader"/>, after validation.
/// </summary>
/// <param name="Limits">What workers apply to requests (--limit-request-*, --keep-alive, --worker-connections,
/// --request-timeout); null: nothing beyond Kestrel's defaults and the app's own.</param>
/// <param name="RequestHardTimeout">--request-hard-timeout: a worker with a request older than this is replaced; null: never.</param>
/// <param name="DumpDirectory">--dump-dir, a full path: where a stuck worker's dump is written; null: none is kept.</param>
internal sealed record GenerationSettings(
    AppSpecification App,
    int Workers,
    TimeSpan Timeout,
    TimeSpan BootTimeout,
    TimeSpan GracefulTimeout,
    int MaxBootFailures,
    int MaxRequests,
    int MaxRequestsJitter,
    int MaxWorkerMemoryMiB,
    bool AccessLog,
    InheritMode Inherit,
    bool DisposeBeforeSpawn,
    ForkSafetyMode ForkSafety,
    string? MySql,
    TimeSpan ShutdownDelay,
    int? ReadyWorkers,
    int Replicas,
    Channel.RequestLimits? Limits = null,
    TimeSpan? RequestHardTimeout = null,
    string? DumpDirectory = null,
    Tls.ServerCertificate? Certificate = null)
{
    /// <summary>--forwarded-allow-ips, one address, CIDR range or "*" each; validated.</summary>
    public IReadOnlyList<string> ForwardedAllowIps { get; init; } = ["127.0.0.1", "::1"];

    /// <summary>--worker-heap-limit: each worker's GC heap hard limit, shared out of the cgroup's memory limit by default.</summary>
    public Resources.WorkerHeapLimitSetting WorkerHeapLimit { get; init; } = Resources.WorkerHeapLimitSetting.Auto;

    /// <summary>A quarter of --timeout, between 50 ms and 1 s: several heartbeats fit in any timeout.</summary>
    public TimeSpan HeartbeatInterval => TimeSpan.FromSeconds(Math.Clamp(Timeout.TotalSeconds / 4, 0.05, 1.0));

    /// <summary>
    /// How many ready workers make the supervisor ready (/readyz): --ready-workers, or every wanted one; never more
    /// than <paramref name="wantedWorkers"/>, which TTOU may lower below --ready-workers.
    /// </summary>
    public int RequiredReadyWorkers(int wantedWorkers) => Math.Min(ReadyWorkers ?? wantedWorkers, wantedWorkers);

    public long MaxWorkerMemoryBytes => (long)MaxWorkerMemoryMiB * 1024 * 1024;

    /// <summary>--max-requests plus up to --max-requests-jitter, drawn per worker so that workers do not recycle together.</summary>
    public long DrawRequestLimit(Random random) => MaxRequests <= 0
        ? long.MaxValue
        : MaxRequests + random.Next(0, MaxRequestsJitter + 1);
}
