namespace ForkHost.Supervisor.Arbitration;

/// <summary>A reload under way: the new generation boots while the previous one keeps serving.</summary>
internal sealed record ReloadState(int Generation, long StartedAt, int PreviousGeneration, RunConfiguration Previous);
