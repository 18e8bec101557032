namespace ForkHost.Channel;

/// <summary>
/// A connection the supervisor accepted (--balance dispatch), carried as the message's one descriptor.
/// <see cref="Listener"/> is the index, among the Handles message's listeners, of the address it came in on.
/// </summary>
internal sealed record ConnectionMessage(int Listener) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Connection;
}
