using System.Globalization;
using System.Text.RegularExpressions;

namespace ForkHost.Tests.Infrastructure;

/// <summary>One GET /metrics, parsed: each sample line as its name, labels and value (HELP and TYPE lines skipped).</summary>
internal sealed partial class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyList<PrometheusSample> samples) => Samples = samples;

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static async Task<PrometheusScrape> GetAsync(HttpClient client, Uri metricsEndpoint)
    {
        string text = await client.GetStringAsync(new Uri(metricsEndpoint, "/metrics"));
        var samples = new List<PrometheusSample>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            Match match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line of the text format: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["name"].Value, m => Regex.Unescape(m.Groups["value"].Value));
            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels,
                double.Parse(match.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture)));
        }
        return new PrometheusScrape(samples);
    }

    /// <summary>The sum of every sample named <paramref name="name"/> whose labels include <paramref name="where"/>.</summary>
    public double Sum(string name, params (string Label, string Value)[] where) =>
        Samples.Where(s => s.Name == name && where.All(w => s.Labels.GetValueOrDefault(w.Label) == w.Value)).Sum(s => s.Value);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex LabelPair();
}
