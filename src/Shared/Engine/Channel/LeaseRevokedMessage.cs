namespace ForkHost.Channel;

/// <summary>Give the lease <see cref="LeaseId"/> back: stop the placed services, release the kernel lock, then send <see cref="LeaseReleasedMessage"/>.</summary>
internal sealed record LeaseRevokedMessage(long LeaseId) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.LeaseRevoked;
}
