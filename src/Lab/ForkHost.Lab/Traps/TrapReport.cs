using System.Globalization;
using System.Text;

namespace ForkHost.Lab.Demo.Traps;

/// <summary>The demo's second section: each trap, its broken and fixed halves, what they counted. Fits 100 columns.</summary>
internal static class TrapReport
{
    public static string Section(IReadOnlyList<TrapResult> results)
    {
        var text = new StringBuilder();
        if (results.Count == 0)
            return "";
        text.AppendLine("Multi-process traps (docs/multi-process-traps.md): a = the trap sprung, b = ForkHost's fix.");
        int nameWidth = results.Max(r => r.Name.Length);
        int failureWidth = results.Max(r => Failures(r).Length);
        foreach (IGrouping<string, TrapResult> trap in results.GroupBy(r => r.Trap))
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Trap {TrapNumber(trap.First().Scenario)}: {trap.Key}");
            foreach (TrapResult r in trap)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Scenario,-4}{r.Name.PadRight(nameWidth)}  {Failures(r).PadRight(failureWidth)}  {Verdict(r)}").TrimEnd());
                if (r.Counts.Count > 0)
                    text.AppendLine(CultureInfo.InvariantCulture, $"      {string.Join(", ", r.Counts.Select(c => $"{c.Key} {N(c.Value)}"))}");
                foreach (string finding in r.Findings.Take(3))
                    Wrap(text, $"ForkHost said: {finding}");
                foreach (string sample in r.Samples.Take(3))
                    Wrap(text, $"e.g. {sample}");
            }
        }
        return text.ToString();
    }

    public static object Json(TrapResult r) => new
    {
        scenario = r.Scenario,
        trap = r.Trap,
        name = r.Name,
        @fixed = r.Fixed,
        skipped = r.Skipped,
        error = r.Error,
        failures = r.Failures,
        failureLabel = r.FailureLabel,
        counts = r.Counts.ToDictionary(c => c.Key, c => c.Value),
        findings = r.Findings,
        samples = r.Samples,
        asExpected = r.AsExpected,
    };

    private static string Failures(TrapResult r) => r.Skipped is null && r.Error is null ? $"{N(r.Failures)} {r.FailureLabel}" : "-";

    private static string Verdict(TrapResult r) =>
        r.Error is not null ? $"FAILED TO RUN: {r.Error}"
        : r.Skipped is not null ? $"skipped: {r.Skipped}"
        : r.AsExpected ? (r.Fixed ? "clean" : "trap shown")
        : r.Fixed ? "UNEXPECTED: failures" : "UNEXPECTED: no failure";

    /// <summary>Indented by six, broken at spaces so that no line passes 100 columns.</summary>
    private static void Wrap(StringBuilder text, string line)
    {
        const int Width = 100 - 6;
        string indent = "      ";
        while (line.Length > Width)
        {
            int cut = line.LastIndexOf(' ', Width);
            if (cut <= 0)
                cut = Width;
            text.Append(indent).AppendLine(line[..cut]);
            line = line[cut..].TrimStart();
            indent = "        ";
        }
        text.Append(indent).AppendLine(line);
    }

    /// <summary>"7a" → "7".</summary>
    public static string TrapNumber(string scenario) => scenario.TrimEnd('a', 'b');

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
