namespace ForkHost.Channel;

internal sealed record BootFailedMessage(string Reason) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.BootFailed;
}
