using System.Text.Json;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.ForkBug;

/// <summary>The demo, run as a user runs it, against the real server: the bug shows where it should, and only there.</summary>
[Collection(MySqlCollection.Name)]
public sealed class DemoTests(MySqlServerFixture mySql)
{
    [Fact]
    public async Task The_broken_model_fails_in_every_run_with_four_workers()
    {
        for (int run = 1; run <= 3; run++)
        {
            JsonElement scenario = Assert.Single(await RunDemoAsync("--scenarios", "1", "--workers", "4", "--requests", "300"));
            int failures = scenario.GetProperty("http5xx").GetInt32() + scenario.GetProperty("wrongResults").GetInt32() + scenario.GetProperty("noResponse").GetInt32();
            Assert.True(failures > 0, $"run {run}: no failure in the broken model: {scenario}");
            Assert.True(scenario.GetProperty("inheritedSessionAnswers").GetInt32() > 0, $"run {run}: no answer came from the inherited session");
            Assert.Equal(4, scenario.GetProperty("workersSeen").GetInt32());
        }
    }

    [Fact]
    public async Task The_fixes_are_clean_over_2000_verified_requests_each()
    {
        IReadOnlyList<JsonElement> scenarios = await RunDemoAsync("--scenarios", "2,3,5,6b", "--requests", "2000");

        Assert.Equal(["2", "3", "5", "6b"], scenarios.Select(s => s.GetProperty("scenario").GetString()));
        foreach (JsonElement scenario in scenarios)
        {
            string name = scenario.GetProperty("scenario").GetString()!;
            Assert.True(scenario.GetProperty("skipped").ValueKind == JsonValueKind.Null, $"scenario {name} was skipped: {scenario}");
            Assert.Equal(2000, scenario.GetProperty("requests").GetInt32());
            Assert.Equal(2000, scenario.GetProperty("ok").GetInt32());
            Assert.Equal(0, scenario.GetProperty("wrongResults").GetInt32());
            Assert.Equal(0, scenario.GetProperty("http5xx").GetInt32());
            Assert.Equal(0, scenario.GetProperty("inheritedSessionAnswers").GetInt32());
        }
    }

    [Fact]
    public async Task An_idle_pool_past_wait_timeout_loses_its_sessions_and_recycling_and_respawning_behave()
    {
        IReadOnlyList<JsonElement> scenarios = await RunDemoAsync("--scenarios", "4,6a", "--requests", "300");

        JsonElement idle = scenarios[0];
        JsonElement errors = idle.GetProperty("databaseErrors");
        int lost = errors.GetProperty("lost-connection").GetInt32() + errors.GetProperty("server-gone").GetInt32();
        Assert.True(lost > 0, $"no lost connection after idling past wait_timeout: {idle}");
        Assert.Equal(0, idle.GetProperty("wrongResults").GetInt32());

        JsonElement recycling = scenarios[1];
        int failures = recycling.GetProperty("http5xx").GetInt32() + recycling.GetProperty("wrongResults").GetInt32();
        Assert.True(failures > 0, $"respawned workers in the broken model did not fail: {recycling}");
    }

    private async Task<IReadOnlyList<JsonElement>> RunDemoAsync(params string[] options)
    {
        await using var demo = ForkHostProcess.Start(["demo", "--json", .. options], new Dictionary<string, string> { ["FORKHOST_MYSQL"] = mySql.ConnectionString }, RepositoryPaths.SupervisorWithLab);
        int exitCode = await demo.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, $"demo exited {exitCode}\n{demo.Diagnostics()}");
        using JsonDocument document = JsonDocument.Parse(demo.Stdout);
        Assert.DoesNotContain("Password=", demo.Stdout + demo.Stderr, StringComparison.OrdinalIgnoreCase);
        return document.RootElement.GetProperty("scenarios").EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
