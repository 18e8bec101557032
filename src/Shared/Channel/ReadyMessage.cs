namespace ForkHost.Channel;

internal sealed record ReadyMessage(int Pid, double BootMilliseconds) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Ready;
}
