namespace ForkHost.Channel;

/// <summary>The worker no longer runs the placed services of lease <see cref="LeaseId"/> and has released the kernel lock.</summary>
/// <param name="Reason">Why: "revoked", "expired" (no renewal for the TTL), "stopping" (the worker stops) or "failed" (a
/// placed service threw while starting).</param>
internal sealed record LeaseReleasedMessage(long LeaseId, string Reason) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.LeaseReleased;
}
