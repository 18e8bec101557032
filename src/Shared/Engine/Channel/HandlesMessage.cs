namespace ForkHost.Channel;

/// <summary>Carries one descriptor per entry of <see cref="Handles"/>, in the same order.</summary>
internal sealed record HandlesMessage(IReadOnlyList<HandleDescription> Handles) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Handles;
}
