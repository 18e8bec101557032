using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Supervisor.Arbitration;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Metrics;
using ForkHost.Supervisor.Workers;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// The arbiter's --request-hard-timeout decision, in-process with fake workers and a fake clock: a worker whose oldest
/// request is past the limit is replaced once, its replacement spawned first and itself stopped only once that one is
/// ready, gracefully, and killed only if it outlives --graceful-timeout, as any late worker is.
/// </summary>
public sealed class StuckRequestArbiterTests
{
    [Fact]
    public async Task A_worker_with_a_request_past_the_hard_timeout_is_replaced_once_by_a_worker_spawned_first_and_never_killed_for_it()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with
        {
            Workers = 2, RequestHardTimeout = TimeSpan.FromSeconds(10), GracefulTimeout = TimeSpan.FromSeconds(30), DumpDirectory = "/var/dumps",
            // No heartbeat timeout within the test's minute of fake time.
            Timeout = TimeSpan.FromMinutes(5),
        });
        await harness.StartAsync();
        // From now on a new worker boots until the test says it is ready.
        harness.Launcher.OnLaunched = null;
        FakeWorker stuck = harness.Launcher.Live[0];
        FakeWorker other = harness.Launcher.Live[1];
        stuck.Obedient = false;

        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("GET", "/report", 9_900));
        other.Heartbeat();
        await harness.SettleAsync();
        Assert.Equal(2, harness.Launcher.Launched.Count);

        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("GET", "/report", 10_200));
        await harness.SettleAsync();
        FakeWorker replacement = Assert.Single(harness.Launcher.Launched.Skip(2));
        Assert.Equal(stuck.Slot, replacement.Slot);
        // The replacement first: the stuck worker is not told anything while its replacement boots.
        Assert.Empty(stuck.Sent);
        Assert.Empty(stuck.Signals);
        string logged = Assert.Single(harness.Logger.WithId(EventIds.WorkerRequestStuck));
        Assert.Contains("GET /report", logged);
        Assert.Contains("10.2 s", logged);
        await Eventually.HoldsAsync(() => harness.Logger.WithId(EventIds.WorkerStacks).Count == 1, TimeSpan.FromSeconds(5), "the stacks are logged");
        Assert.Contains(FakeStackCapture.Stacks, harness.Logger.WithId(EventIds.WorkerStacks)[0]);
        Assert.Equal([stuck.Pid], harness.StackCapture.StacksOf);
        await Eventually.HoldsAsync(() => harness.Logger.WithId(EventIds.WorkerDumpWritten).Count == 1, TimeSpan.FromSeconds(5), "the dump is logged");
        Assert.Equal([(stuck.Pid, "/var/dumps")], harness.StackCapture.Dumps);

        // Still stuck at the next heartbeats: decided once.
        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("GET", "/report", 11_200));
        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("GET", "/report", 12_200));
        await harness.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(3, harness.Launcher.Launched.Count);
        Assert.Single(harness.Logger.WithId(EventIds.WorkerRequestStuck));
        Assert.Single(harness.StackCapture.StacksOf);
        Assert.Empty(stuck.Sent);

        // Once the replacement is ready the stuck worker drains, with the whole --graceful-timeout.
        replacement.Ready();
        await harness.SettleAsync();
        StopMessage stop = Assert.IsType<StopMessage>(Assert.Single(stuck.Sent));
        Assert.True(stop.Graceful);
        Assert.Equal(30_000, stop.DeadlineMilliseconds);
        Assert.Single(harness.Logger.WithId(EventIds.WorkerReplacingStuck));
        Assert.Empty(other.Sent);

        await harness.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Empty(stuck.Signals);
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal([Interop.Signals.SIGKILL], stuck.Signals);
        await harness.SettleAsync();

        Assert.Equal(2, harness.Launcher.Live.Count);
        Assert.Equal(3, harness.Launcher.Launched.Count);
        Assert.Equal(1, harness.Metrics.Current!.ExitsByReason.Single(pair => pair.Key == WorkerExitReason.RequestStuck).Value);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerCrashed));
    }

    [Fact]
    public async Task A_stuck_request_that_finishes_within_the_grace_lets_its_worker_exit_by_itself_and_status_shows_the_age()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1, RequestHardTimeout = TimeSpan.FromSeconds(5) });
        await harness.StartAsync();
        FakeWorker stuck = Assert.Single(harness.Launcher.Live);

        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("POST", "/import", 4_000));
        await harness.SettleAsync();
        await harness.AdvanceAsync(TimeSpan.FromMilliseconds(500));
        Supervisor.Control.WorkerStatus status = Assert.Single((await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Workers);
        Assert.Equal("POST /import", status.OldestRequest);
        // Its age goes on from the heartbeat's, by the supervisor's clock.
        Assert.InRange(status.OldestRequestAgeMs!.Value, 4_500, 4_700);
        Assert.InRange(harness.Metrics.Current!.Workers.Single().OldestRequestAgeMilliseconds!.Value, 4_300, 4_700);

        // Autoready: the replacement is ready at once, and the obedient stuck worker drains and exits at its Stop.
        stuck.Heartbeat(oldestRequest: new InFlightRequestReport("POST", "/import", 5_100));
        await harness.SettleAsync();
        Assert.IsType<StopMessage>(Assert.Single(stuck.Sent));
        Assert.Empty(stuck.Signals);
        FakeWorker replacement = Assert.Single(harness.Launcher.Live);
        Assert.NotEqual(stuck.Pid, replacement.Pid);
        replacement.Heartbeat();
        await harness.SettleAsync();
        Assert.Equal(0, Assert.Single((await harness.Arbiter.GetStatusAsync(CancellationToken.None)).Workers).OldestRequestAgeMs);
    }

    [Fact]
    public async Task Without_a_hard_timeout_no_request_age_replaces_a_worker()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1 });
        await harness.StartAsync();
        FakeWorker worker = Assert.Single(harness.Launcher.Live);
        worker.Heartbeat(oldestRequest: new InFlightRequestReport("GET", "/stream", 3_600_000));
        await harness.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Single(harness.Launcher.Launched);
        Assert.Empty(worker.Sent);
        Assert.Empty(harness.Logger.WithId(EventIds.WorkerRequestStuck));
    }

    [Fact]
    public async Task With_worker_diagnostics_off_the_stacks_are_reported_unavailable()
    {
        var capture = new DiagnosticsStackCapture(WorkerDiagnosticsMode.Off);
        WorkerStacks stacks = await capture.CaptureAsync(Environment.ProcessId, CancellationToken.None);
        Assert.Null(stacks.Text);
        Assert.Contains("--worker-diagnostics off", stacks.Unavailable);
        Assert.Null((await capture.WriteDumpAsync(Environment.ProcessId, Path.GetTempPath(), CancellationToken.None)).Path);
    }
}
