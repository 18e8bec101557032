using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ForkHost.Lab.Demo;

/// <summary>The demo's one table, and the same results as JSON.</summary>
internal static class DemoReport
{
    public static readonly string[] ErrorClasses = ["lost-connection", "server-gone", "out-of-sync", "malformed-packet", "not-available"];

    public static string Table(IReadOnlyList<ScenarioResult> results, string serverDescription, string transport)
    {
        var text = new StringBuilder();
        text.AppendLine("Fork-bug lab (docs/fork-bug.md): the app's load-time MySQL session, and what the workers make of it.");
        ReportText.Wrap(text, $"MySQL server: {serverDescription}", 0);
        ReportText.Wrap(text, $"Inherited sessions: {transport}", 0);
        ReportText.Wrap(text, "req = verified requests; wrong = 200 answers that belong to another request; none = no HTTP answer. "
            + "Database errors by class: lost = 2013 lost connection, gone = 2006 server gone, sync = 2014 out of sync / packet "
            + "out of order, malf = 2027 malformed packet, n/a = connection not available.", 0);
        text.AppendLine();
        // The names above the table, so that the table itself fits 100 columns.
        foreach (ScenarioResult r in results)
            ReportText.Wrap(text, $"{r.Scenario,-3} {r.Name}", 1);
        text.AppendLine();
        string[] header = ["#", "inherit", "dispose", "req", "ok", "5xx", "wrong", "none", "lost", "gone", "sync", "malf", "n/a", "req/s", "verdict"];
        var rows = new List<string[]> { header };
        foreach (ScenarioResult r in results)
        {
            if (r.Skipped is not null)
            {
                rows.Add([r.Scenario, r.Inherit, r.DisposeBeforeSpawn ? "yes" : "no", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", $"skipped: {r.Skipped}"]);
                continue;
            }
            rows.Add([
                r.Scenario, r.Inherit, r.DisposeBeforeSpawn ? "yes" : "no",
                N(r.Requests), N(r.Ok), N(r.Http5xx), N(r.WrongResults), N(r.NoResponse),
                .. ErrorClasses.Select(c => N(r.DatabaseErrorCount(c))),
                r.RequestsPerSecond.ToString("0", CultureInfo.InvariantCulture),
                r.AsExpected ? (r.ExpectFailures ? "bug shown" : "clean") : (r.ExpectFailures ? "UNEXPECTED: no failure" : "UNEXPECTED: failures"),
            ]);
        }
        int[] widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c is 0 or 1 or 2 or 14 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
            if (row == header)
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
        text.AppendLine();
        foreach (ScenarioResult r in results.Where(r => r.Skipped is null && (r.Failures > 0 || r.AuditFindings.Count > 0)))
        {
            ReportText.Wrap(text, $"Scenario {r.Scenario}: {r.InheritedSessionAnswers} answers came from a session inherited from the supervisor; {r.WorkersSeen} workers answered.", 0);
            foreach (string finding in r.AuditFindings.Take(3))
                ReportText.Wrap(text, $"audit: {finding}", 2);
            foreach (string error in r.SampleErrors.Take(4))
                ReportText.Wrap(text, $"e.g. {error}", 2);
        }
        return text.ToString();
    }

    public static string Json(IReadOnlyList<ScenarioResult> results, IReadOnlyList<Traps.TrapResult> traps, string serverDescription, string transport) =>
        JsonSerializer.Serialize(new
        {
            server = serverDescription,
            inheritedSessionTransport = transport,
            scenarios = results.Select(r => new
            {
                scenario = r.Scenario,
                name = r.Name,
                inherit = r.Inherit,
                disposeBeforeSpawn = r.DisposeBeforeSpawn,
                skipped = r.Skipped,
                requests = r.Requests,
                ok = r.Ok,
                http5xx = r.Http5xx,
                wrongResults = r.WrongResults,
                noResponse = r.NoResponse,
                databaseErrors = ErrorClasses.Concat(r.DatabaseErrors.Keys).Distinct().ToDictionary(c => c, r.DatabaseErrorCount),
                inheritedSessionAnswers = r.InheritedSessionAnswers,
                workersSeen = r.WorkersSeen,
                requestsPerSecond = Math.Round(r.RequestsPerSecond, 1),
                expectFailures = r.ExpectFailures,
                asExpected = r.AsExpected,
                audit = r.AuditFindings,
                sampleErrors = r.SampleErrors,
            }),
            traps = traps.Select(Traps.TrapReport.Json),
        }, new JsonSerializerOptions { WriteIndented = true });

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
