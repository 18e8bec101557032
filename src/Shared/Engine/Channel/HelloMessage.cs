namespace ForkHost.Channel;

/// <param name="SupervisorBuild">The supervisor's <see cref="Apps.ProgramBuild"/>, as text: a worker of another build refuses
/// to boot. Null from a supervisor that does not say (tests' fake supervisors): the worker does not check.</param>
internal sealed record HelloMessage(
    int WorkerId,
    int Generation,
    int SupervisorPid,
    WorkerConfiguration Configuration,
    string? SupervisorBuild = null) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Hello;
}
