using System.Text.Json;
using System.Text.Json.Serialization;

namespace Comments;

/// <summary>
/// The serialization code of every JSON body the app writes, generated at compile time: under NativeAOT there is no
/// reflection-based serializer to fall back on, and a type missing here fails its endpoint at run time. Registered in
/// <c>ConfigureHttpJsonOptions</c>, so the responses keep ASP.NET Core's HTTP JSON options (camelCase names, the relaxed
/// escaping of the demo's error messages); the Web defaults here only make the generated names the same camelCase.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EchoResponse))]
[JsonSerializable(typeof(HealthResponse))]
// The body of POST /'s 400: BadRequest<string> writes its message as a JSON string.
[JsonSerializable(typeof(string))]
internal sealed partial class CommentsJsonContext : JsonSerializerContext;
