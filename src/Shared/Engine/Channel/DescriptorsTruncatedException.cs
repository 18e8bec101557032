namespace ForkHost.Channel;

/// <summary>
/// A well-formed message arrived without some of the descriptors it describes (MSG_CTRUNC): the kernel could not
/// install them because the receiver's descriptor table was full (EMFILE), and dropped them. Not a protocol error: the
/// peer did nothing wrong, and the receiver goes on once it has accounted for what was lost. Any descriptors that did
/// arrive are closed before this is thrown.
/// </summary>
internal sealed class DescriptorsTruncatedException(ChannelMessage channelMessage, int expected, int received)
    : Exception($"{channelMessage.Type} message arrived with {received} of its {expected} descriptors: the descriptor table is full (MSG_CTRUNC)")
{
    /// <summary>The message itself, decoded intact: only its descriptors are missing.</summary>
    public ChannelMessage ChannelMessage { get; } = channelMessage;

    public int Expected { get; } = expected;

    public int Received { get; } = received;
}
