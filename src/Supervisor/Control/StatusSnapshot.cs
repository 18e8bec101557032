namespace ForkHost.Supervisor.Control;

/// <summary>
/// The supervisor and its workers at one instant, taken on the arbiter loop. Durations are milliseconds and sizes bytes,
/// so that scripts need not parse units; <c>forkhost status</c> formats them for people.
/// </summary>
/// <param name="LiveWorkers">Worker processes that exist, whatever their state: what the kernel lists as children.</param>
/// <param name="Stopping">null while serving; "graceful" or "quick" once the supervisor is stopping.</param>
internal sealed record StatusSnapshot(
    int Pid,
    string Version,
    long UptimeMs,
    int Generation,
    int WantedWorkers,
    int LiveWorkers,
    int ReadyWorkers,
    string? Stopping,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<WorkerStatus> Workers);
