using ForkHost.Supervisor.Generations;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>A reload under way: the new generation boots while <paramref name="Previous"/> keeps serving.</summary>
internal sealed record ReloadState(Generation Previous, long StartedAt);
