namespace ForkHost.Supervisor.Control;

/// <summary>The placement lease (AddPlacedHostedService) in a <see cref="StatusSnapshot"/>: who holds it.</summary>
/// <param name="Revoking">The holder has been asked to give it back and has not yet.</param>
internal sealed record PlacementLeaseStatus(long LeaseId, int Slot, int Pid, int Generation, long HeldMs, bool Revoking);
