namespace ForkHost.Channel;

/// <param name="ConnectionHeadroom">
/// Connections the worker can take before its descriptor reserve (see <see cref="HeartbeatMessage"/>); with --balance
/// dispatch the supervisor sends it no more than that until its first heartbeat.
/// </param>
/// <param name="PlacedServices">How many placed hosted services the app registered (AddPlacedHostedService): only a
/// worker with some is given the placement lease.</param>
internal sealed record ReadyMessage(int Pid, double BootMilliseconds, int ConnectionHeadroom, int PlacedServices = 0) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Ready;
}
