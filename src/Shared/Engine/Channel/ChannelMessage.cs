namespace ForkHost.Channel;

/// <summary>Base of every message on the supervisor–worker channel.</summary>
internal abstract record ChannelMessage
{
    public abstract ChannelMessageType Type { get; }
}
