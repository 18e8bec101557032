namespace ForkHost.Channel;

internal sealed record HelloMessage(
    int WorkerId,
    int Generation,
    int SupervisorPid,
    WorkerConfiguration Configuration) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Hello;
}
