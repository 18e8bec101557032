namespace ForkHost.Channel;

/// <summary>The peer closed its end of the channel (it exited, or was killed).</summary>
internal sealed class ChannelClosedException() : Exception("The other end of the control channel closed.");
