namespace ForkHost.Channel;

/// <summary>The peer sent something the protocol does not allow: malformed, unknown, oversized or out of order.</summary>
internal sealed class ChannelProtocolException(string message, Exception? innerException = null)
    : Exception(message, innerException);
