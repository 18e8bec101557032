using System.Text.Json;
using System.Text.Json.Serialization;

namespace MyApp;

/// <summary>The JSON the app writes, as code generated at compile time; a type missing here fails its endpoint under NativeAOT.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WhoAmI))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
