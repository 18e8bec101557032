using System.Text;
using ForkHost.Channel;

namespace ForkHost.Tests.Channel;

public sealed class ChannelMessageCodecTests
{
    [Fact]
    public void Every_message_survives_a_round_trip()
    {
        ChannelMessage[] messages =
        [
            new HelloMessage(3, 2, 1234, new WorkerConfiguration("/app/App.dll", "App.Type", 512, 250, 30_000, "json",
                new Dictionary<string, string?> { ["ForkHost:Workers"] = "4" }, new Dictionary<string, string> { ["greeting"] = "hi" })),
            new HandlesMessage([new HandleDescription(HandleKind.Listener, Address: "http://127.0.0.1:8000"),
                new HandleDescription(HandleKind.InheritedConnection, null, "127.0.0.1:5000", "127.0.0.1:3306", "mysql", new Dictionary<string, string> { ["mysql.capabilities"] = "123" })]),
            new ReadyMessage(99, 123.5, 20),
            new HeartbeatMessage(10, 2, 50_000_000, 8_000_000, 204, 256, 20, 7, "accepting on 127.0.0.1:8000 ended"),
            new StopMessage(true, 30_000),
            new BootFailedMessage("boom"),
            new MetricsMessage(2, 3, new HistogramReport([0, 1, 2], 7.5),
                [new RequestDurationReport("GET", "/items/{id}", 200, new HistogramReport([4, 0, 1], 0.25)), new RequestDurationReport("GET", null, 404, new HistogramReport([1, 0, 0], 0.001))],
                RequestDurationOverflow: null),
        ];

        foreach (ChannelMessage message in messages)
        {
            ChannelMessage decoded = ChannelMessageCodec.Decode(ChannelMessageCodec.Encode(message));
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(ChannelMessageCodec.Encode(message), ChannelMessageCodec.Encode(decoded));
        }
    }

    public static TheoryData<byte[], string> MalformedFrames => new()
    {
        { [], "shorter than the 4-byte header" },
        { Encoding.ASCII.GetBytes("GET / HTTP/1.1"), "magic bytes" },
        { [(byte)'F', (byte)'H', 9, 1, (byte)'{', (byte)'}'], "protocol version 9" },
        { [(byte)'F', (byte)'H', 1, 200, (byte)'{', (byte)'}'], "Unknown message type 200" },
        { [(byte)'F', (byte)'H', 1, 3, .. "not json"u8], "Malformed Ready message" },
        { [(byte)'F', (byte)'H', 1, 3, .. "null"u8], "Malformed Ready message" },
        { [(byte)'F', (byte)'H', 1, 5, .. "{\"graceful\":\"yes\"}"u8], "Malformed Stop message" },
        { [(byte)'F', (byte)'H', 1, 1, .. "{\"workerId\":1}"u8], "Malformed Hello message" },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public void A_malformed_frame_is_a_protocol_error_that_says_what_is_wrong(byte[] frame, string expected)
    {
        var error = Assert.Throws<ChannelProtocolException>(() => ChannelMessageCodec.Decode(frame));
        Assert.Contains(expected, error.Message);
    }
}
