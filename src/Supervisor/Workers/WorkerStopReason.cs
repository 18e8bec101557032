namespace ForkHost.Supervisor.Workers;

/// <summary>Why the supervisor stopped a worker: what its exit is logged and counted as.</summary>
internal enum WorkerStopReason
{
    /// <summary>Not stopped by the supervisor (yet).</summary>
    None,
    /// <summary>The supervisor is shutting down (SIGTERM, SIGINT, SIGQUIT, a halt).</summary>
    Shutdown,
    /// <summary>A reload's new generation is ready and replaces it.</summary>
    Replaced,
    /// <summary>Its reload was abandoned: the new generation could not boot.</summary>
    ReloadAbandoned,
    /// <summary>Its slot is above the wanted count (SIGTTOU, or a reload with fewer workers).</summary>
    Retired,
    /// <summary>--max-requests: replaced gracefully.</summary>
    RecycledRequests,
    /// <summary>--max-worker-memory: replaced gracefully.</summary>
    RecycledMemory,
    /// <summary>It reported that it can no longer serve; replaced gracefully.</summary>
    Unhealthy,
    /// <summary>--request-hard-timeout: a request ran longer; replaced gracefully once its replacement was ready.</summary>
    RequestStuck,
    /// <summary>No heartbeat for --timeout: SIGTERM, then SIGKILL.</summary>
    Hung,
    /// <summary>Not ready within --boot-timeout: SIGKILL, and a boot failure.</summary>
    BootTimedOut,
    /// <summary>It broke the channel protocol: SIGKILL.</summary>
    ProtocolError,
}
