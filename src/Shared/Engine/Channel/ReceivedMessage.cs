namespace ForkHost.Channel;

/// <summary>A decoded message and the descriptors that came with it; the receiver owns the descriptors.</summary>
internal readonly record struct ReceivedMessage(ChannelMessage Message, IReadOnlyList<int> Descriptors);
