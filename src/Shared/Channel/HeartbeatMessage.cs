namespace ForkHost.Channel;

internal sealed record HeartbeatMessage(
    long RequestsServed,
    int RequestsInFlight,
    long ResidentBytes,
    long ManagedHeapBytes) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Heartbeat;
}
