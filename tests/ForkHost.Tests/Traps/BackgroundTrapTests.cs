using System.Text.Json;
using ForkHost.Lab.Demo.Traps.Background;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.Traps;

/// <summary>
/// Trap 2 (scenarios 8a and 8b of the demo), run twice, each time against the real MariaDB: from the job's own rows,
/// AddHostedService writes every tick once per worker, and AddPlacedHostedService exactly once, with no two holders
/// overlapping, across a recycle (--max-requests), a reload (SIGHUP), a SIGKILL of the holder and an upgrade (SIGUSR2),
/// the job resuming in another worker within the bound each time.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class BackgroundTrapTests(MySqlServerFixture mySql)
{
    [Fact]
    public async Task Hosted_services_run_in_every_worker_and_placed_ones_exactly_once_across_recycle_reload_kill_and_upgrade_in_two_runs()
    {
        for (int run = 1; run <= 2; run++)
        {
            IReadOnlyList<JsonElement> traps = await TrapDemo.RunAsync(mySql.ConnectionString, "8");
            TrapDemo.AssertTrapShownAndFixed(traps, "8a", "8b", run);
            JsonElement broken = traps[0].GetProperty("counts");
            JsonElement placed = traps[1].GetProperty("counts");
            // Every worker wrote ticks at the same time as the others (how many depends on how busy the machine is).
            Assert.True(broken.GetProperty("duplicate ticks").GetInt64() > 0 && broken.GetProperty("overlapping runners").GetInt64() > 0, $"run {run}: {traps[0]}");
            Assert.Equal(0, placed.GetProperty("duplicate ticks").GetInt64());
            Assert.Equal(0, placed.GetProperty("overlapping runners").GetInt64());
            Assert.True(placed.GetProperty("longest gap (ms)").GetInt64() <= BackgroundScenario.GapBoundMilliseconds, $"run {run}: {traps[1]}");
            // The job moved: the recycle, the reload, the kill and the upgrade each put it in another process.
            Assert.True(placed.GetProperty("processes that ran it").GetInt64() >= 4, $"run {run}: the job did not move: {traps[1]}");
            Assert.True(placed.GetProperty("lease grants").GetInt64() >= 4, $"run {run}: {traps[1]}");
        }
    }
}
