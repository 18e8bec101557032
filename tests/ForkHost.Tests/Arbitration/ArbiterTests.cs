using System.Diagnostics;
using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Supervisor.Arbitration;
using ForkHost.Supervisor.Workers;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// The arbiter's decisions, driven in-process with fake workers and a fake clock: boot-failure counting, backoff,
/// reload coalescing, hung and late workers, shutdown order. The process-level tests check the same paths for real.
/// </summary>
public sealed class ArbiterTests
{
    [Fact]
    public async Task Workers_that_exit_by_themselves_before_ready_count_as_boot_failures_and_halt_with_exit_3()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, MaxBootFailures = 3 });
        harness.Launcher.OnLaunched = worker => worker.FailBoot("ConfigureServices threw (test)");
        await harness.StartAsync(autoReady: false);

        for (int i = 0; i < 20 && !harness.Run.IsCompleted; i++)
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(3, await harness.Run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, harness.Launcher.Launched.Count);
        Assert.Equal(3, harness.Logger.WithId(EventIds.WorkerBootFailed).Count);
        Assert.Contains("ConfigureServices threw (test)", Assert.Single(harness.Logger.WithId(EventIds.Halting)));
    }

    [Fact]
    public async Task Workers_killed_by_signals_from_outside_while_booting_never_halt_and_are_replaced_with_growing_delays()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, MaxBootFailures = 3 });
        await harness.StartAsync(autoReady: false);

        // Ten times the boot-failure limit, as an OOM killer or a hostile kill loop would.
        var spawnedAt = new List<TimeSpan>();
        DateTimeOffset start = harness.Time.GetUtcNow();
        for (int kill = 0; kill < 30; kill++)
        {
            FakeWorker booting = Assert.Single(harness.Launcher.Live);
            spawnedAt.Add(harness.Time.GetUtcNow() - start);
            booting.KilledFromOutside(Interop.Signals.SIGKILL);
            await harness.SettleAsync();
            for (int waited = 0; harness.Launcher.Live.Count == 0; waited++)
            {
                Assert.True(waited < 100, "no replacement within 10 s of fake time");
                await harness.AdvanceAsync(Arbiter.TickInterval);
            }
        }

        Assert.False(harness.Run.IsCompleted, "the supervisor halted");
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerBootFailed));
        Assert.Equal(30, harness.Logger.WithId(EventIds.WorkerKilledBeforeReady).Count);
        // The first replacement is immediate; later ones back off, up to 5 s (±20 %).
        Assert.Equal(spawnedAt[0], spawnedAt[1]);
        Assert.InRange(spawnedAt[^1] - spawnedAt[^2], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6.1));

        // Once a worker does get ready the service is whole again.
        Assert.Single(harness.Launcher.Live).Ready();
        await harness.SettleAsync();
        Assert.Equal(1, (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).ReadyWorkers);
        Assert.Equal(0, await harness.StopAsync());
    }

    [Fact]
    public async Task A_crash_fault_signal_before_ready_is_the_apps_own_boot_failure()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, MaxBootFailures = 2 });
        harness.Launcher.OnLaunched = worker => worker.KilledFromOutside(Interop.Signals.SIGSEGV);
        await harness.StartAsync(autoReady: false);
        for (int i = 0; i < 20 && !harness.Run.IsCompleted; i++)
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(3, await harness.Run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.All(harness.Logger.WithId(EventIds.WorkerBootFailed), message => Assert.Contains("SIGSEGV", message));
    }

    [Fact]
    public async Task A_worker_of_another_build_at_start_halts_the_supervisor_with_exit_2_naming_both_builds()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, MaxBootFailures = 5 });
        harness.Launcher.OnLaunched = worker => worker.RefuseAsWrongBuild("App 1.1.0 (build bbbbbbbbbbbb)", "App 1.0.0 (build aaaaaaaaaaaa)");
        await harness.StartAsync(autoReady: false);
        for (int i = 0; i < 20 && !harness.Run.IsCompleted; i++)
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        // The first refusal ends the start: no respawn can fix it, and nothing was half-started.
        Assert.Equal(2, await harness.Run.WaitAsync(TimeSpan.FromSeconds(5)));
        string refusal = harness.Logger.WithId(EventIds.WorkerWrongBuild)[0];
        Assert.Contains("App 1.1.0 (build bbbbbbbbbbbb)", refusal);
        Assert.Contains("App 1.0.0 (build aaaaaaaaaaaa)", refusal);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerBootFailed));
        Assert.Empty(harness.Launcher.Live);
    }

    [Fact]
    public async Task A_respawned_worker_of_another_build_is_refused_while_the_others_keep_serving_and_the_slot_is_retried_with_backoff()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, MaxBootFailures = 2 });
        await harness.StartAsync();
        harness.Launcher.OnLaunched = worker => worker.RefuseAsWrongBuild("App 1.1.0 (build bbbbbbbbbbbb)", "App 1.0.0 (build aaaaaaaaaaaa)");

        FakeWorker killed = harness.Launcher.Live[0], serving = harness.Launcher.Live[1];
        killed.KilledFromOutside();
        for (int i = 0; i < 30; i++)
        {
            serving.Heartbeat();
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1));
        }

        // Far more refusals than --max-boot-failures, and still no halt: this is not the app's fault.
        Assert.False(harness.Run.IsCompleted, "the supervisor halted");
        Assert.InRange(harness.Logger.WithId(EventIds.WorkerWrongBuild).Count, 3, 30);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerBootFailed));
        Assert.Equal(1, (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).ReadyWorkers);

        // The deploy is put back: the next respawn boots, and the service is whole again.
        harness.Launcher.OnLaunched = null;
        for (int i = 0; i < 10 && harness.Launcher.Live.Count < 2; i++)
        {
            serving.Heartbeat();
            await harness.AdvanceAsync(TimeSpan.FromSeconds(1));
        }
        FakeWorker replacement = Assert.Single(harness.Launcher.Live, w => w.Slot == killed.Slot);
        replacement.Ready();
        await harness.SettleAsync();
        Assert.Equal(2, (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).ReadyWorkers);
        Assert.Equal(0, await harness.StopAsync());
    }

    [Fact]
    public async Task A_worker_that_crashes_after_serving_is_replaced_at_once_then_with_backoff()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1 });
        await harness.StartAsync();

        Assert.Single(harness.Launcher.Live).Exit(134);
        await harness.SettleAsync();
        FakeWorker second = Assert.Single(harness.Launcher.Live);

        second.Exit(134);
        await harness.SettleAsync();
        Assert.Empty(harness.Launcher.Live);
        // The second crash in a row waits 100 ms ±20 %.
        await harness.AdvanceAsync(TimeSpan.FromMilliseconds(200));
        Assert.Single(harness.Launcher.Live);
        Assert.Equal(3, harness.Launcher.Launched.Count);
        Assert.Equal(2, harness.Logger.WithId(EventIds.WorkerCrashed).Count);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerBootFailed));
    }

    [Fact]
    public async Task Ten_sighups_during_a_reload_run_exactly_one_more_reload_which_applies_the_last_configuration()
    {
        await using var harness = new ArbiterHarness();
        await harness.StartAsync();

        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.Loader.WaitForRunningAsync();
        Assert.Equal([2], harness.Loader.Requested);
        for (int i = 0; i < 9; i++)
            await harness.SignalAsync(PosixSignal.SIGHUP);
        // The loop kept running while the load step ran: status answered, and no second load started.
        Assert.Equal(1, harness.Loader.Running);
        Assert.Single(harness.Logger.WithId(EventIds.ReloadQueued));

        await harness.Loader.CompleteAsync();
        // Generation 2 boots; the queued reload waits for it to be ready (it is at once: autoReady) and then loads 3.
        await Eventually.HoldsAsync(() => harness.Loader.Requested.Count == 2, TimeSpan.FromSeconds(5), "the queued reload started");
        Assert.Equal([2, 3], harness.Loader.Requested);
        await harness.Loader.CompleteAsync();
        await Eventually.HoldsAsync(() => harness.LiveOfGeneration(3).Count == 2 && harness.LiveOfGeneration(2).Count == 0,
            TimeSpan.FromSeconds(5), "generation 3 replaced generation 2", harness.Logger.ToString);
        await harness.SettleAsync();

        Assert.Equal([2, 3], harness.Loader.Requested);
        Assert.Equal(2, harness.LiveOfGeneration(3).Count);
        Assert.Empty(harness.LiveOfGeneration(1));
        Assert.Empty(harness.LiveOfGeneration(2));
        Assert.Equal(3, (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Generation);
    }

    [Fact]
    public async Task A_refused_reload_keeps_the_generation_serving_and_runs_the_reload_queued_behind_it()
    {
        await using var harness = new ArbiterHarness();
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> first = harness.LiveOfGeneration(1);

        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.Loader.RefuseAsync("appsettings.json: line 3, position 5: malformed JSON (test)");
        await Eventually.HoldsAsync(() => harness.Loader.Requested.Count == 2, TimeSpan.FromSeconds(5), "the queued reload started");

        Assert.Contains("malformed JSON (test)", Assert.Single(harness.Logger.WithId(EventIds.ReloadRefused)));
        Assert.Equal(first, harness.LiveOfGeneration(1));
        Assert.Equal([2, 2], harness.Loader.Requested);
        await harness.Loader.CompleteAsync(restartOnlyChanges: ["--backlog 512 → 1024"]);
        await Eventually.HoldsAsync(() => harness.LiveOfGeneration(2).Count == 2, TimeSpan.FromSeconds(5), "generation 2 started");
        Assert.Contains("--backlog 512 → 1024", Assert.Single(harness.Logger.WithId(EventIds.RestartNeeded)));
        // Workers of the new generation are told the backlog the supervisor's sockets still have.
        Assert.All(harness.LiveOfGeneration(2), worker => Assert.Equal(512, worker.Boot.Hello.Configuration.Backlog));
    }

    [Fact]
    public async Task A_stop_during_a_load_step_cancels_it_and_stops_without_starting_its_generation()
    {
        await using var harness = new ArbiterHarness();
        await harness.StartAsync();
        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.Loader.WaitForRunningAsync();

        harness.Arbiter.Signal(PosixSignal.SIGTERM);

        Assert.Equal(0, await harness.Run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, harness.Loader.Running);
        Assert.Equal(2, harness.Launcher.Launched.Count);
        Assert.Empty(harness.LiveOfGeneration(1));
    }

    [Fact]
    public async Task Sigttin_and_sigttou_add_and_retire_a_slot_gracefully()
    {
        await using var harness = new ArbiterHarness();
        await harness.StartAsync();

        await harness.SignalAsync(PosixSignal.SIGTTIN);
        Assert.Equal([1, 2, 3], harness.Launcher.Live.Select(w => w.Slot).Order());
        await harness.SignalAsync(PosixSignal.SIGTTOU);
        await harness.SignalAsync(PosixSignal.SIGTTOU);

        Assert.Equal([1], harness.Launcher.Live.Select(w => w.Slot));
        Assert.All(harness.Launcher.Launched.Where(w => w.Slot > 1), w => Assert.Equal(new StopMessage(true, 30_000), Assert.Single(w.Sent)));
        Assert.Equal(2, harness.Logger.WithId(EventIds.WorkerStopRequested).Count);
    }

    [Fact]
    public async Task A_sighup_during_an_upgrade_loads_no_generation_unless_the_upgrade_fails()
    {
        using Process successor = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            await using var harness = new ArbiterHarness(startSuccessor: () => Task.FromResult(successor));
            await harness.StartAsync();

            await harness.SignalAsync(Arbiter.SIGUSR2);
            await harness.SignalAsync(PosixSignal.SIGHUP);
            Assert.Contains("upgrade", Assert.Single(harness.Logger.WithId(EventIds.ReloadQueued)));
            Assert.Empty(harness.Loader.Requested);

            // The new supervisor dies before it takes over: this one goes on, and now runs the reload it was asked for.
            successor.Kill();
            await successor.WaitForExitAsync();
            await Eventually.HoldsAsync(() => harness.Loader.Requested.Count == 1, TimeSpan.FromSeconds(5), "the queued reload ran");
            Assert.Single(harness.Logger.WithId(EventIds.UpgradeFailed));
        }
        finally
        {
            if (!successor.HasExited)
                successor.Kill();
        }
    }

    [Fact]
    public async Task A_silent_worker_gets_sigterm_after_the_timeout_then_sigkill_after_the_grace_and_is_replaced()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, Timeout = TimeSpan.FromSeconds(3) });
        await harness.StartAsync();
        FakeWorker silent = Assert.Single(harness.Launcher.Live);
        silent.Obedient = false;

        await harness.AdvanceAsync(TimeSpan.FromSeconds(2.5));
        Assert.Empty(silent.Signals);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(0.7));
        Assert.Equal([Interop.Signals.SIGTERM], silent.Signals);
        Assert.Single(harness.Logger.WithId(EventIds.WorkerHung));

        await harness.AdvanceAsync(WorkerHandle.HungKillGrace + TimeSpan.FromMilliseconds(200));
        Assert.Equal([Interop.Signals.SIGTERM, Interop.Signals.SIGKILL], silent.Signals);
        FakeWorker replacement = Assert.Single(harness.Launcher.Live);
        Assert.NotEqual(silent.Pid, replacement.Pid);
        // The supervisor's own kill is not reported as an unexpected death.
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerCrashed));
    }

    [Fact]
    public async Task Workers_past_their_limits_or_unhealthy_are_recycled_one_at_a_time_and_replaced_at_once()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, MaxRequests = 100 });
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> first = harness.Launcher.Live;
        foreach (FakeWorker worker in first)
            worker.Obedient = false;

        first[0].Heartbeat(unhealthy: "accepting failed for 5 s (EMFILE) (test)");
        first[1].Heartbeat(requestsServed: 100);
        await harness.SettleAsync();

        // The unhealthy one is stopped gracefully and replaced; the other waits for it to be gone.
        Assert.IsType<StopMessage>(Assert.Single(first[0].Sent));
        Assert.Empty(first[1].Sent);
        Assert.Contains("unhealthy: accepting failed", Assert.Single(harness.Logger.WithId(EventIds.WorkerRecycling)));
        Assert.Equal(3, harness.Launcher.Live.Count);

        first[0].Exit(0);
        await harness.SettleAsync();
        first[1].Heartbeat(requestsServed: 101);
        await harness.SettleAsync();
        Assert.IsType<StopMessage>(Assert.Single(first[1].Sent));
        Assert.Contains("--max-requests limit 100", harness.Logger.WithId(EventIds.WorkerRecycling)[1]);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerCrashed));
    }

    [Fact]
    public async Task A_worker_not_ready_within_the_boot_timeout_is_killed_and_counted_as_a_boot_failure()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, BootTimeout = TimeSpan.FromSeconds(2) });
        await harness.StartAsync(autoReady: false);
        FakeWorker stuck = Assert.Single(harness.Launcher.Live);

        await harness.AdvanceAsync(TimeSpan.FromSeconds(2.3));

        Assert.Equal([Interop.Signals.SIGKILL], stuck.Signals);
        Assert.Contains("--boot-timeout", Assert.Single(harness.Logger.WithId(EventIds.WorkerBootFailed)));
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerKilledBeforeReady));
    }

    [Fact]
    public async Task A_graceful_stop_tells_ready_workers_signals_booting_ones_spawns_nothing_and_kills_what_is_left_at_the_deadline()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 3, GracefulTimeout = TimeSpan.FromSeconds(5) });
        await harness.StartAsync(autoReady: false);
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;
        workers[0].Ready();
        workers[1].Ready();
        await harness.SettleAsync();
        foreach (FakeWorker worker in workers)
            worker.Obedient = false;

        await harness.SignalAsync(PosixSignal.SIGTERM);
        Assert.Equal(new StopMessage(true, 5000), Assert.Single(workers[0].Sent));
        Assert.Equal(new StopMessage(true, 5000), Assert.Single(workers[1].Sent));
        Assert.Equal([Interop.Signals.SIGTERM], workers[2].Signals);

        // One drains in time; the others are still there at the deadline.
        workers[0].Exit(0);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(4.5));
        Assert.False(harness.Run.IsCompleted);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(0.7));
        Assert.Equal(Interop.Signals.SIGKILL, workers[1].Signals[^1]);
        Assert.Equal(Interop.Signals.SIGKILL, workers[2].Signals[^1]);

        Assert.Equal(0, await harness.Run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(3, harness.Launcher.Launched.Count);
    }

    [Fact]
    public async Task A_launch_the_system_refuses_is_retried_and_counts_towards_the_boot_failure_limit()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, MaxBootFailures = 3 });
        harness.Launcher.FailWith = "cannot start forkhost-worker: Resource temporarily unavailable (test)";
        await harness.StartAsync();
        // The first failure is retried at once, the second after 100 ms ±20 % (on the fake clock, which has not moved).
        Assert.Equal(2, harness.Logger.WithId(EventIds.WorkerBootFailed).Count);
        harness.Launcher.FailWith = null;
        await harness.AdvanceAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(2, harness.Logger.WithId(EventIds.WorkerBootFailed).Count);
        Assert.Single(harness.Launcher.Live);
        Assert.False(harness.Run.IsCompleted);
    }
}
