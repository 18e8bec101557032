namespace ForkHost.Channel;

/// <summary>
/// Worker → supervisor, once, after the app's services are built and before <see cref="ReadyMessage"/>: what in them
/// keeps state per worker process. Sent even when empty, so the supervisor knows the audit ran.
/// </summary>
/// <param name="Refused">--fork-safety strict and a finding that loses data: the worker will not serve and waits to be stopped.</param>
internal sealed record StateFindingsMessage(IReadOnlyList<PerProcessStateFinding> Findings, bool Refused) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.StateFindings;
}
