namespace ForkHost.Channel;

/// <param name="ConnectionHeadroom">
/// Connections the worker can take before its descriptor reserve (see <see cref="HeartbeatMessage"/>); with --balance
/// dispatch the supervisor sends it no more than that until its first heartbeat.
/// </param>
internal sealed record ReadyMessage(int Pid, double BootMilliseconds, int ConnectionHeadroom) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Ready;
}
