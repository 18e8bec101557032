using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hello;

/// <summary>The JSON the app writes, generated at compile time (NativeAOT has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WhoAmI))]
internal sealed partial class HelloJsonContext : JsonSerializerContext;
