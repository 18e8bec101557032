using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ForkHost.Channel;

/// <summary>Turns messages into frames and back; every way a frame can be wrong is a <see cref="ChannelProtocolException"/>.</summary>
internal static class ChannelMessageCodec
{
    public static byte[] Encode(ChannelMessage message)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, TypeInfo(message.Type));
        var frame = new byte[ChannelProtocol.HeaderLength + json.Length];
        frame[0] = ChannelProtocol.Magic0;
        frame[1] = ChannelProtocol.Magic1;
        frame[2] = ChannelProtocol.Version;
        frame[3] = (byte)message.Type;
        json.CopyTo(frame, ChannelProtocol.HeaderLength);
        if (frame.Length > ChannelProtocol.MaxMessageLength)
            throw new ChannelProtocolException($"A {message.Type} message of {frame.Length} bytes exceeds the channel limit of {ChannelProtocol.MaxMessageLength} bytes.");
        return frame;
    }

    public static ChannelMessage Decode(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < ChannelProtocol.HeaderLength)
            throw new ChannelProtocolException($"Message of {frame.Length} bytes is shorter than the {ChannelProtocol.HeaderLength}-byte header.");
        if (frame[0] != ChannelProtocol.Magic0 || frame[1] != ChannelProtocol.Magic1)
            throw new ChannelProtocolException($"Message does not start with the ForkHost magic bytes (got 0x{frame[0]:x2} 0x{frame[1]:x2}).");
        if (frame[2] != ChannelProtocol.Version)
            throw new ChannelProtocolException($"Peer speaks channel protocol version {frame[2]}; this build speaks version {ChannelProtocol.Version}. Run the supervisor and worker from the same ForkHost build.");

        var type = (ChannelMessageType)frame[3];
        if (!Enum.IsDefined(type))
            throw new ChannelProtocolException($"Unknown message type {frame[3]}.");

        ChannelMessage? message;
        try
        {
            message = (ChannelMessage?)JsonSerializer.Deserialize(frame[ChannelProtocol.HeaderLength..], TypeInfo(type));
        }
        catch (JsonException e)
        {
            throw new ChannelProtocolException($"Malformed {type} message: {e.Message}", e);
        }
        return message ?? throw new ChannelProtocolException($"Malformed {type} message: null body.");
    }

    private static JsonTypeInfo TypeInfo(ChannelMessageType type) => type switch
    {
        ChannelMessageType.Hello => ChannelJsonContext.Default.HelloMessage,
        ChannelMessageType.Handles => ChannelJsonContext.Default.HandlesMessage,
        ChannelMessageType.Ready => ChannelJsonContext.Default.ReadyMessage,
        ChannelMessageType.Heartbeat => ChannelJsonContext.Default.HeartbeatMessage,
        ChannelMessageType.Stop => ChannelJsonContext.Default.StopMessage,
        ChannelMessageType.BootFailed => ChannelJsonContext.Default.BootFailedMessage,
        ChannelMessageType.Connection => ChannelJsonContext.Default.ConnectionMessage,
        ChannelMessageType.Metrics => ChannelJsonContext.Default.MetricsMessage,
        ChannelMessageType.LeaseGranted => ChannelJsonContext.Default.LeaseGrantedMessage,
        ChannelMessageType.LeaseRevoked => ChannelJsonContext.Default.LeaseRevokedMessage,
        ChannelMessageType.LeaseReleased => ChannelJsonContext.Default.LeaseReleasedMessage,
        ChannelMessageType.StateFindings => ChannelJsonContext.Default.StateFindingsMessage,
        _ => throw new ChannelProtocolException($"Unknown message type {(byte)type}."),
    };
}
