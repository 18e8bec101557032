using System.Text.Json;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Traps;

/// <summary>Runs <c>forkhost demo --json --scenarios …</c> as a user runs it and returns its <c>traps</c> array.</summary>
internal static class TrapDemo
{
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(string connectionString, params string[] scenarios)
    {
        await using var demo = ForkHostProcess.Start(
            ["demo", "--json", "--scenarios", string.Join(',', scenarios)],
            new Dictionary<string, string> { ["FORKHOST_MYSQL"] = connectionString },
            RepositoryPaths.SupervisorWithLab);
        int exitCode = await demo.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"demo exited {exitCode}\n{demo.Diagnostics()}");
        Assert.DoesNotContain("Password=", demo.Stdout + demo.Stderr, StringComparison.OrdinalIgnoreCase);
        using JsonDocument document = JsonDocument.Parse(demo.Stdout);
        Assert.Empty(document.RootElement.GetProperty("scenarios").EnumerateArray());
        return document.RootElement.GetProperty("traps").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The broken half counted failures, the fixed half none, and neither was skipped or failed to run.</summary>
    public static void AssertTrapShownAndFixed(IReadOnlyList<JsonElement> traps, string broken, string fixedHalf, int run)
    {
        Assert.Equal([broken, fixedHalf], traps.Select(t => t.GetProperty("scenario").GetString()));
        foreach (JsonElement trap in traps)
        {
            Assert.True(trap.GetProperty("error").ValueKind == JsonValueKind.Null, $"run {run}: {trap}");
            Assert.True(trap.GetProperty("skipped").ValueKind == JsonValueKind.Null, $"run {run}: {trap}");
        }
        Assert.True(traps[0].GetProperty("failures").GetInt64() > 0, $"run {run}: the broken half counted no failure: {traps[0]}");
        Assert.True(traps[1].GetProperty("failures").GetInt64() == 0, $"run {run}: the fixed half counted failures: {traps[1]}");
    }
}
