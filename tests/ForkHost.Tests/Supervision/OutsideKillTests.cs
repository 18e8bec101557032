using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>Workers killed from outside while they boot (an operator's kill loop, the OOM killer) never halt the service.</summary>
public sealed class OutsideKillTests
{
    [Fact]
    public async Task Sigkilling_every_booting_worker_until_twice_max_boot_failures_were_killed_does_not_halt_and_the_service_recovers()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--max-boot-failures", "3");
        Uri address = await forkhost.WaitForHttpAddressAsync();

        // Kills are counted, not timed: on a loaded machine the first spawn can come 2 s after the listener, and each
        // replacement a second later, so a fixed kill window measured the machine's load rather than the supervisor.
        const int KillsWanted = 6;
        var killed = new HashSet<int>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (killed.Count < KillsWanted && DateTime.UtcNow < until)
        {
            var ready = forkhost.EventsWithId(EventIds.WorkerReady).Select(e => e.Int("WorkerPid")).ToHashSet();
            foreach (int pid in forkhost.AllSpawnedWorkerPids.Where(pid => !ready.Contains(pid) && ProcessTable.IsAlive(pid)))
            {
                if (Interop.Libc.Kill(pid, Interop.Signals.SIGKILL) == 0)
                    killed.Add(pid);
            }
            // On a loaded machine the first workers can be ready before this loop reads their spawn events; killing
            // a ready one (not counted) makes the supervisor boot a replacement, which the loop then kills.
            if (killed.Count == 0 && ready.FirstOrDefault(ProcessTable.IsAlive) is int readyPid and > 0)
                Interop.Libc.Kill(readyPid, Interop.Signals.SIGKILL);
            await Task.Delay(20);
        }

        // Far more kills than --max-boot-failures, none of them counted as the app's failure.
        Assert.True(killed.Count >= KillsWanted, $"only {killed.Count} workers were killed while booting in 60 s\n{forkhost.Diagnostics()}");

        // Left alone, the supervisor fills both slots (within the 5 s backoff cap) and serves.
        await Eventually.HoldsAsync(() => forkhost.EventsWithId(EventIds.WorkerReady).Count(e => !killed.Contains(e.Int("WorkerPid"))) >= 2,
            TimeSpan.FromSeconds(20), "two workers that were left alone are ready", forkhost.Diagnostics);
        // Judged once the supervisor has reaped every kill (it has refilled both slots since).
        Assert.Empty(forkhost.EventsWithId(EventIds.Halting));
        Assert.NotEmpty(forkhost.EventsWithId(EventIds.WorkerKilledBeforeReady));
        Assert.DoesNotContain(forkhost.EventsWithId(EventIds.WorkerBootFailed), e => killed.Contains(e.Int("WorkerPid")));
        using HttpClient client = Http.CreateClient();
        Assert.Contains("from worker", await client.GetStringAsync(address));
        forkhost.Signal(Interop.Signals.SIGTERM);
        Assert.Equal(0, await forkhost.WaitForExitAsync());
    }
}
