namespace ForkHost.Worker.Placement;

/// <summary>What <see cref="PlacedServices"/>'s loop is told: by the channel's reader (grant, revoke) or by the host (stop).</summary>
internal abstract record LeaseCommand
{
    public sealed record Granted(long LeaseId, TimeSpan Ttl) : LeaseCommand;
    public sealed record Revoked(long LeaseId) : LeaseCommand;
    public sealed record Stop(TaskCompletionSource Done) : LeaseCommand;
}
