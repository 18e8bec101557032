using System.Text.Json;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.Traps;

/// <summary>Trap 7 of the demo, run twice: without a state directory logins are refused by other and recycled workers; with one, never.</summary>
[Collection(MySqlCollection.Name)]
public sealed class KeyRingTrapTests(MySqlServerFixture mySql)
{
    [Fact]
    public async Task Without_a_shared_key_ring_logins_are_refused_and_with_one_never_in_two_runs()
    {
        for (int run = 1; run <= 2; run++)
        {
            IReadOnlyList<JsonElement> traps = await TrapDemo.RunAsync(mySql.ConnectionString, "7");
            TrapDemo.AssertTrapShownAndFixed(traps, "7a", "7b", run);
            JsonElement broken = traps[0];
            Assert.True(broken.GetProperty("counts").GetProperty("refused (401)").GetInt64() > 0, $"run {run}: {broken}");
            Assert.Contains(broken.GetProperty("findings").EnumerateArray(), f => f.GetString()!.Contains("--state-dir", StringComparison.Ordinal));
            // The fixed half recycled workers during the run, and the cookie still held.
            Assert.True(traps[1].GetProperty("counts").GetProperty("workers recycled").GetInt64() > 0, $"run {run}: no worker was recycled: {traps[1]}");
        }
    }
}
