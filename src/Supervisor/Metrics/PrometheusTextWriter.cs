using System.Globalization;
using System.Text;
using ForkHost.Channel;

namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4, by hand: prometheus-net (and OpenTelemetry's exporter)
/// can only expose instruments recorded in this process, and a histogram summed from other processes' buckets is not
/// one. What the format asks for is kept here: one HELP and one TYPE line per family, before its samples and never
/// again; label values escaped; histogram buckets cumulative, ending in le="+Inf", with _sum and _count.
/// </summary>
internal sealed class PrometheusTextWriter(StringBuilder output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly HashSet<string> _families = [];
    private string? _family;
    private string? _familyType;

    /// <summary>Starts a family: its HELP and TYPE lines. The samples that follow must be of this family.</summary>
    /// <exception cref="InvalidOperationException">The family was written already: its samples would be split.</exception>
    public void Family(string name, string type, string help)
    {
        if (!_families.Add(name))
            throw new InvalidOperationException($"The metric family {name} was written already; a family's samples must be together.");
        _family = name;
        _familyType = type;
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        output.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string labels, double value) => Line(CurrentFamily("counter", "gauge"), labels, Format(value));

    public void Sample(string labels, long value) => Line(CurrentFamily("counter", "gauge"), labels, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>One series of the current histogram family: per-bucket counts become cumulative "le" buckets.</summary>
    public void Histogram(string labels, HistogramReport report, IReadOnlyList<double> boundaries)
    {
        string name = CurrentFamily("histogram");
        string separator = labels.Length == 0 ? "" : ",";
        long cumulative = 0;
        for (int i = 0; i < boundaries.Count; i++)
        {
            cumulative += report.BucketCounts[i];
            Line(name + "_bucket", $"{labels}{separator}le=\"{Format(boundaries[i])}\"", cumulative.ToString(CultureInfo.InvariantCulture));
        }
        cumulative += report.BucketCounts[boundaries.Count];
        Line(name + "_bucket", $"{labels}{separator}le=\"+Inf\"", cumulative.ToString(CultureInfo.InvariantCulture));
        Line(name + "_sum", labels, Format(report.Sum));
        Line(name + "_count", labels, cumulative.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Renders labels as name="value" pairs, without braces; a label whose value is null is left out.</summary>
    public static string Labels(params ReadOnlySpan<(string Name, string? Value)> labels)
    {
        var rendered = new StringBuilder();
        foreach ((string name, string? value) in labels)
        {
            if (value is null)
                continue;
            if (rendered.Length > 0)
                rendered.Append(',');
            rendered.Append(name).Append("=\"").Append(EscapeLabelValue(value)).Append('"');
        }
        return rendered.ToString();
    }

    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    private static string EscapeHelp(string help) =>
        help.Replace("\\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>Go's ParseFloat, which Prometheus reads with, takes these spellings; "R" is the shortest exact one.</summary>
    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private string CurrentFamily(params ReadOnlySpan<string> types)
    {
        if (_family is null || !types.Contains(_familyType!))
            throw new InvalidOperationException($"A {string.Join(" or ", types.ToArray())} sample needs its family first; the current one is {_family ?? "none"} ({_familyType ?? "no type"}).");
        return _family;
    }

    private void Line(string name, string labels, string value)
    {
        output.Append(name);
        if (labels.Length > 0)
            output.Append('{').Append(labels).Append('}');
        output.Append(' ').Append(value).Append('\n');
    }
}
