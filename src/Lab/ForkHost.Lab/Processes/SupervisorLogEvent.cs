using System.Text.Json;

namespace ForkHost.Lab.Processes;

/// <summary>One line of <c>forkhost run --log-format json</c> output: a Serilog compact-JSON event.</summary>
internal sealed record SupervisorLogEvent(string Raw, JsonElement Json)
{
    public int EventId => Json.TryGetProperty("EventId", out JsonElement id) && id.TryGetProperty("Id", out JsonElement value) ? value.GetInt32() : 0;

    public string Template => Json.TryGetProperty("@mt", out JsonElement template) ? template.GetString() ?? "" : "";

    public string Level => Json.TryGetProperty("@l", out JsonElement level) ? level.GetString() ?? "Information" : "Information";

    public string? Role => String("Role");

    public DateTimeOffset Timestamp => Json.GetProperty("@t").GetDateTimeOffset();

    /// <summary>
    /// The message as a reader sees it: the template with its plain <c>{Name}</c> holes filled in (compact JSON
    /// carries the template and the properties, not the rendered text).
    /// </summary>
    public string Message
    {
        get
        {
            string text = Template;
            foreach (JsonProperty property in Json.EnumerateObject())
                text = text.Replace("{" + property.Name + "}", property.Value.ToString(), StringComparison.Ordinal);
            return text;
        }
    }

    public string? String(string property) => Json.TryGetProperty(property, out JsonElement value) ? value.ToString() : null;

    public int Int(string property) => Json.GetProperty(property).GetInt32();

    /// <returns>Null for a line that is not a JSON object: start-up errors and anything else written before logging began.</returns>
    public static SupervisorLogEvent? TryParse(string line)
    {
        if (!line.StartsWith('{'))
            return null;
        try
        {
            using var document = JsonDocument.Parse(line);
            return new SupervisorLogEvent(line, document.RootElement.Clone());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public override string ToString() => Raw;
}
