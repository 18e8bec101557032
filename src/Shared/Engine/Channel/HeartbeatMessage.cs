namespace ForkHost.Channel;

/// <param name="OpenDescriptors">Descriptors the worker has open; null when it could not count them (its table was full).</param>
/// <param name="DescriptorLimit">Its soft RLIMIT_NOFILE; null when unlimited.</param>
/// <param name="ConnectionHeadroom">
/// How many more connections it can hold while keeping its descriptor reserve free (0 when it cannot tell).
/// </param>
/// <param name="ConnectionsReceived">
/// Connection messages it has read from the channel so far (--balance dispatch), its own descriptor or not. With
/// <see cref="ConnectionHeadroom"/> this tells the supervisor how many it may send: received + headroom, in all.
/// </param>
/// <param name="Unhealthy">Why the worker cannot serve any more, or null; the supervisor then replaces it.</param>
/// <param name="OldestRequest">The request in flight the longest, or null when none is (--request-hard-timeout, status, metrics).</param>
internal sealed record HeartbeatMessage(
    long RequestsServed,
    int RequestsInFlight,
    long ResidentBytes,
    long ManagedHeapBytes,
    int? OpenDescriptors,
    int? DescriptorLimit,
    int ConnectionHeadroom,
    long ConnectionsReceived,
    string? Unhealthy,
    InFlightRequestReport? OldestRequest = null) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Heartbeat;
}
