using System.Globalization;
using System.Text;

namespace ForkHost.Lab.Demo.Traps;

/// <summary>The demo's second section: each trap, its broken and fixed halves, what they counted. Fits 100 columns.</summary>
internal static class TrapReport
{
    /// <param name="serverDescription">Said at the top when no fork-bug table above said it already.</param>
    public static string Section(IReadOnlyList<TrapResult> results, string? serverDescription)
    {
        var text = new StringBuilder();
        if (results.Count == 0)
            return "";
        text.AppendLine("Multi-process traps (docs/multi-process-traps.md): a = the trap sprung, b = ForkHost's fix.");
        if (serverDescription is not null)
            ReportText.Wrap(text, $"MySQL server: {serverDescription}", 0);
        int nameWidth = results.Max(r => r.Name.Length);
        int failureWidth = results.Max(r => Failures(r).Length);
        foreach (IGrouping<string, TrapResult> trap in results.GroupBy(r => r.Trap))
        {
            text.AppendLine();
            int ordinal = TrapCatalog.All.Select(t => t.Trap).Distinct().ToList().IndexOf(trap.Key) + 1;
            text.AppendLine(CultureInfo.InvariantCulture, $"Scenario {TrapNumber(trap.First().Scenario)}, trap {ordinal}: {trap.Key}");
            foreach (TrapResult r in trap)
            {
                text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Scenario,-4}{r.Name.PadRight(nameWidth)}  {Failures(r).PadRight(failureWidth)}  {Verdict(r)}").TrimEnd());
                if (r.Counts.Count > 0)
                    ReportText.Wrap(text, string.Join(", ", r.Counts.Select(c => $"{c.Key} {N(c.Value)}")), 6);
                foreach (string finding in r.Findings.Take(3))
                    ReportText.Wrap(text, $"ForkHost said: {finding}", 6);
                foreach (string sample in r.Samples.Take(3))
                    ReportText.Wrap(text, $"e.g. {sample}", 6);
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

    /// <summary>"7a" → "7".</summary>
    public static string TrapNumber(string scenario) => scenario.TrimEnd('a', 'b');

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
