namespace ForkHost.Supervisor.Control;

/// <summary>
/// The supervisor and its workers at one instant, taken on the arbiter loop. Durations are milliseconds and sizes bytes,
/// so that scripts need not parse units; <c>forkhost status</c> formats them for people.
/// </summary>
/// <param name="LiveWorkers">Worker processes that exist, whatever their state: what the kernel lists as children.</param>
/// <param name="Ready">What GET /readyz on --metrics-bind answers (true: 200), with or without that listener.</param>
/// <param name="RequiredReadyWorkers">--ready-workers, or the wanted count when it is not set (and never above it).</param>
/// <param name="Stopping">null while serving; "graceful" or "quick" once the supervisor is stopping.</param>
/// <param name="Reload">null without a reload under way; else "loading generation N" (its load step runs) or
/// "booting generation N" (its workers start while the previous generation serves), with ", 1 more queued" when a
/// SIGHUP arrived meanwhile.</param>
/// <param name="PlacementLease">The worker that runs the app's placed hosted services; null when none holds the lease
/// (the app has none, or it is moving between workers).</param>
internal sealed record StatusSnapshot(
    int Pid,
    string Version,
    long UptimeMs,
    int Generation,
    int WantedWorkers,
    int LiveWorkers,
    int ReadyWorkers,
    bool Ready,
    int RequiredReadyWorkers,
    string? Stopping,
    string? Reload,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<WorkerStatus> Workers,
    PlacementLeaseStatus? PlacementLease = null);
