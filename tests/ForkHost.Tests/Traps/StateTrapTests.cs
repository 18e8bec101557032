using System.Text.Json;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.Traps;

/// <summary>Trap 3 of the demo (scenarios 9a, 9b), run twice: in memory, sessions are lost and the limit is exceeded; in MySQL, never.</summary>
[Collection(MySqlCollection.Name)]
public sealed class StateTrapTests(MySqlServerFixture mySql)
{
    [Fact]
    public async Task In_memory_sessions_are_lost_and_permits_exceed_the_limit_and_in_MySQL_neither_in_two_runs()
    {
        for (int run = 1; run <= 2; run++)
        {
            IReadOnlyList<JsonElement> traps = await TrapDemo.RunAsync(mySql.ConnectionString, "9");
            TrapDemo.AssertTrapShownAndFixed(traps, "9a", "9b", run);
            JsonElement broken = traps[0].GetProperty("counts"), repaired = traps[1].GetProperty("counts");
            Assert.True(broken.GetProperty("sessions lost").GetInt64() > 0, $"run {run}: {traps[0]}");
            Assert.True(broken.GetProperty("beyond 10 per window").GetInt64() > 0, $"run {run}: {traps[0]}");
            // The fixed half granted the limit and never more in any window: the counter is shared, not refusing
            // everything. Its windows are epoch-aligned 30-second spans, so a burst that crosses a boundary (seen once in a
            // full run) is granted up to the limit in each of the two windows it touches.
            Assert.Equal(0, repaired.GetProperty("beyond 10 per window").GetInt64());
            Assert.InRange(repaired.GetProperty("permits granted").GetInt64(), 10, 20);
            Assert.Equal(0, repaired.GetProperty("errors").GetInt64());

            // What the supervisor said at start: the broken half's two registrations, nothing for the fixed one.
            string[] findings = [.. traps[0].GetProperty("findings").EnumerateArray().Select(f => f.GetString()!)];
            Assert.Contains(findings, f => f.StartsWith("AddSession over AddDistributedMemoryCache: each of the 4 workers", StringComparison.Ordinal));
            Assert.Contains(findings, f => f.StartsWith("AddRateLimiter: each of the 4 workers", StringComparison.Ordinal));
            Assert.Empty(traps[1].GetProperty("findings").EnumerateArray());
        }
    }
}
