using System.Text.Json.Serialization;

namespace ForkHost.Channel;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(HandlesMessage))]
[JsonSerializable(typeof(ReadyMessage))]
[JsonSerializable(typeof(HeartbeatMessage))]
[JsonSerializable(typeof(StopMessage))]
[JsonSerializable(typeof(BootFailedMessage))]
[JsonSerializable(typeof(ConnectionMessage))]
[JsonSerializable(typeof(MetricsMessage))]
[JsonSerializable(typeof(RequestDurationReport))]
[JsonSerializable(typeof(LeaseGrantedMessage))]
[JsonSerializable(typeof(LeaseRevokedMessage))]
[JsonSerializable(typeof(LeaseReleasedMessage))]
[JsonSerializable(typeof(StateFindingsMessage))]
internal sealed partial class ChannelJsonContext : JsonSerializerContext;
