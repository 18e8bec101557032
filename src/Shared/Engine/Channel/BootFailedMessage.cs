namespace ForkHost.Channel;

/// <param name="Reason">Why, for the supervisor's log.</param>
/// <param name="WorkerBuild">Set when the worker refused to boot because it runs another build than the supervisor's
/// (<see cref="HelloMessage.SupervisorBuild"/>): this build, as text. Not the app's fault, so not counted as a boot failure.</param>
internal sealed record BootFailedMessage(string Reason, string? WorkerBuild = null) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.BootFailed;
}
