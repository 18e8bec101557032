using System.Text.Json;

namespace ForkHost.Tests.Infrastructure;

/// <summary>One line of forkhost's --log-format json output (Serilog's compact JSON).</summary>
internal sealed record LogEvent(string Raw, JsonElement Json)
{
    public int EventId => Json.TryGetProperty("EventId", out JsonElement id) && id.TryGetProperty("Id", out JsonElement value) ? value.GetInt32() : 0;

    public string Template => Json.TryGetProperty("@mt", out JsonElement template) ? template.GetString() ?? "" : "";

    public string Level => Json.TryGetProperty("@l", out JsonElement level) ? level.GetString() ?? "Information" : "Information";

    public string? Role => String("Role");

    public DateTimeOffset Timestamp => Json.GetProperty("@t").GetDateTimeOffset();

    public string? String(string property) => Json.TryGetProperty(property, out JsonElement value) ? value.ToString() : null;

    public int Int(string property) => Json.GetProperty(property).GetInt32();

    public override string ToString() => Raw;
}
