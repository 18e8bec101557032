namespace ForkHost.Supervisor.Control;

/// <summary>
/// One worker in a <see cref="StatusSnapshot"/>. The counters come from its last heartbeat and are null until the first
/// one arrives; <see cref="LastHeartbeatAgeMs"/> is null while it boots, since a booting worker does not heartbeat.
/// </summary>
/// <param name="State">booting, ready or stopping.</param>
/// <param name="UptimeMs">Since it was spawned.</param>
/// <param name="BootMs">From spawn to ready; null until it is ready.</param>
/// <param name="OpenDescriptors">Descriptors the worker has open; null until its first heartbeat, or when it could not count them.</param>
/// <param name="DescriptorLimit">Its soft RLIMIT_NOFILE; null until its first heartbeat, or when unlimited.</param>
/// <param name="OldestRequestAgeMs">How long its oldest request in flight has run (from its last heartbeat, aged since);
/// 0 when none is; null until its first heartbeat.</param>
/// <param name="OldestRequest">That request's method and path ("GET /report"), or null.</param>
internal sealed record WorkerStatus(
    int Slot,
    int Pid,
    int Generation,
    string State,
    long UptimeMs,
    long? BootMs,
    long? RequestsServed,
    int? RequestsInFlight,
    long? ResidentBytes,
    long? ManagedHeapBytes,
    int? OpenDescriptors,
    int? DescriptorLimit,
    long? LastHeartbeatAgeMs,
    long? OldestRequestAgeMs = null,
    string? OldestRequest = null);
