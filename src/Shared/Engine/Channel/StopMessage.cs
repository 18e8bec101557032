namespace ForkHost.Channel;

/// <summary>Stop serving. A graceful stop finishes in-flight requests until <see cref="DeadlineMilliseconds"/> has passed.</summary>
internal sealed record StopMessage(bool Graceful, int DeadlineMilliseconds) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Stop;
}
