namespace ForkHost.Supervisor.Metrics;

/// <summary>One worker's resources as its last heartbeat said; null values until its first heartbeat, or when it could not tell.</summary>
/// <param name="WorkerId">Its slot, the id it logs with.</param>
internal sealed record WorkerResources(int WorkerId, int Pid, long? ResidentBytes, int? OpenDescriptors, int? DescriptorLimit);
