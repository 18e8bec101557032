namespace ForkHost.Channel;

/// <summary>
/// The placement lease is the worker's, or still is (a renewal: the same <see cref="LeaseId"/> again). The worker
/// runs the placed services only while it also holds the kernel lock, and stops them by itself once
/// <see cref="TtlMilliseconds"/> have passed without a renewal.
/// </summary>
/// <param name="LeaseId">Numbers the grants of one supervisor, from 1; a revoke and a release name the lease they end.</param>
internal sealed record LeaseGrantedMessage(long LeaseId, int TtlMilliseconds) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.LeaseGranted;
}
