namespace ForkHost.Supervisor.Metrics;

/// <summary>One worker's resources as its last heartbeat said; null values until its first heartbeat, or when it could not tell.</summary>
/// <param name="WorkerId">Its slot, the id it logs with.</param>
/// <param name="OldestRequestAgeMilliseconds">How long its oldest request in flight has run; 0 with none; null before its first heartbeat.</param>
internal sealed record WorkerResources(int WorkerId, int Pid, long? ResidentBytes, int? OpenDescriptors, int? DescriptorLimit,
    long? OldestRequestAgeMilliseconds = null);
