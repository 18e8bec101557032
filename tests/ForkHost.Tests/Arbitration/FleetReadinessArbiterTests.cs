using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Supervisor.Fleet;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// What the arbiter publishes for the fleet endpoint (/readyz, /livez) and the stop sequence of --shutdown-delay,
/// driven in-process with fake workers and a fake clock: readiness flips on the loop's turn, and no worker hears of a
/// stop before the delay is over.
/// </summary>
public sealed class FleetReadinessArbiterTests
{
    [Fact]
    public async Task Readiness_waits_for_every_wanted_worker_and_falls_when_one_crashes()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2 });
        Assert.False(harness.Health.Readiness.IsReady);
        await harness.StartAsync(autoReady: false);
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;

        workers[0].Ready();
        await harness.SettleAsync();
        Assert.Equal(new FleetReadiness(1, 2, 2, null, IsCurrent: true), harness.Health.Readiness);

        workers[1].Ready();
        await harness.SettleAsync();
        Assert.True(harness.Health.Readiness.IsReady);
        Assert.True((await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Ready);

        workers[1].KilledFromOutside();
        await harness.SettleAsync();
        Assert.False(harness.Health.Readiness.IsReady);
        Assert.Equal(1, harness.Health.Readiness.ReadyWorkers);
        Assert.False((await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Ready);
    }

    [Fact]
    public async Task Ready_workers_sets_how_many_must_be_ready()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 3, ReadyWorkers = 2 });
        await harness.StartAsync(autoReady: false);
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;

        workers[0].Ready();
        await harness.SettleAsync();
        Assert.False(harness.Health.Readiness.IsReady);
        workers[2].Ready();
        await harness.SettleAsync();
        Assert.Equal("yes (2 of 3 ready, --ready-workers 2)", harness.Health.Readiness.Describe());
    }

    [Fact]
    public async Task A_ttou_below_ready_workers_requires_every_worker_still_wanted()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, ReadyWorkers = 2 });
        await harness.StartAsync();
        await harness.SignalAsync(PosixSignal.SIGTTOU);
        await harness.SettleAsync();
        Assert.Equal(1, harness.Health.Readiness.RequiredWorkers);
        Assert.True(harness.Health.Readiness.IsReady);
    }

    [Fact]
    public async Task Shutdown_delay_turns_readiness_off_at_once_and_stops_no_worker_until_the_delay_has_passed()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with
        {
            Workers = 2, ShutdownDelay = TimeSpan.FromSeconds(3), GracefulTimeout = TimeSpan.FromSeconds(5),
        });
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;
        Assert.True(harness.Health.Readiness.IsReady);

        await harness.SignalAsync(PosixSignal.SIGTERM);
        Assert.False(harness.Health.Readiness.IsReady);
        Assert.Equal("graceful", harness.Health.Readiness.Stopping);
        Assert.Equal("graceful", (await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Stopping);
        Assert.Single(harness.Logger.WithId(EventIds.ShutdownDelayed));

        await harness.AdvanceAsync(TimeSpan.FromSeconds(2.8));
        Assert.All(workers, w => Assert.Empty(w.Sent));
        Assert.All(workers, w => Assert.Empty(w.Signals));
        Assert.Empty(harness.Logger.WithId(EventIds.SupervisorStopping));

        await harness.AdvanceAsync(TimeSpan.FromSeconds(0.3));
        Assert.All(workers, w => Assert.Equal(new StopMessage(true, 5000), Assert.Single(w.Sent)));
        Assert.Equal(0, await harness.Run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task During_the_delay_workers_serve_normally_and_a_crashed_one_is_replaced()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, ShutdownDelay = TimeSpan.FromSeconds(10) });
        await harness.StartAsync();
        await harness.SignalAsync(PosixSignal.SIGTERM);
        FakeWorker crashed = harness.Launcher.Live[0];

        crashed.Exit(1);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, harness.Launcher.Live.Count);
        Assert.DoesNotContain(crashed, harness.Launcher.Live);
        Assert.False(harness.Health.Readiness.IsReady);
    }

    [Fact]
    public async Task A_second_sigterm_during_the_delay_begins_the_drain_at_once()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { ShutdownDelay = TimeSpan.FromSeconds(30) });
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;

        await harness.SignalAsync(PosixSignal.SIGTERM);
        Assert.All(workers, w => Assert.Empty(w.Sent));
        await harness.SignalAsync(PosixSignal.SIGTERM);
        Assert.All(workers, w => Assert.Equal(new StopMessage(true, 30_000), Assert.Single(w.Sent)));
        Assert.Equal(0, await harness.Run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_quick_stop_skips_the_delay()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { ShutdownDelay = TimeSpan.FromSeconds(30) });
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> workers = harness.Launcher.Live;

        await harness.SignalAsync(PosixSignal.SIGINT);
        Assert.False(harness.Health.Readiness.IsReady);
        Assert.Equal("quick", harness.Health.Readiness.Stopping);
        Assert.Empty(harness.Logger.WithId(EventIds.ShutdownDelayed));
        Assert.All(workers, w => Assert.NotNull(w.ExitCode));
        Assert.Equal(0, await harness.Run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Reload_and_scaling_are_ignored_during_the_delay()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, ShutdownDelay = TimeSpan.FromSeconds(5) });
        await harness.StartAsync();
        await harness.SignalAsync(PosixSignal.SIGTERM);

        await harness.SignalAsync(PosixSignal.SIGHUP);
        await harness.SignalAsync(PosixSignal.SIGTTIN);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Empty(harness.Loader.Requested);
        Assert.Equal(2, harness.Launcher.Live.Count);
    }
}
