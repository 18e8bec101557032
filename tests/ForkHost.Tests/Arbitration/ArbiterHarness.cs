using System.Diagnostics;
using System.Runtime.InteropServices;
using ForkHost.Apps;
using ForkHost.Supervisor.Arbitration;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Fleet;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Generations;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Metrics;
using ForkHost.Supervisor.Systemd;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// The real <see cref="Arbiter"/> in-process, with a fake launcher, a fake loader and a fake clock: a test sends it
/// signals, makes its fake workers act, moves time on, and reads what it did (as gunicorn's test_arbiter.py does).
/// </summary>
internal sealed class ArbiterHarness : IAsyncDisposable
{
    private readonly SlotListeners _listeners = new([], BalanceMode.Shared, 512);
    private readonly SystemdNotifier _notifier = SystemdNotifier.FromEnvironment();
    private Task<int>? _run;

    public ArbiterHarness(GenerationSettings? settings = null, Func<Task<Process>>? startSuccessor = null)
    {
        Settings = settings ?? DefaultSettings;
        Loader = new FakeGenerationLoader(number => GenerationOf(number, Settings));
        Health = new SupervisorHealth(Time, FleetReadiness.Starting(Settings, isCurrent: true));
        var process = new ProcessSettings(["127.0.0.1:0"], BalanceMode.Shared, 512, (UnixFileMode)0b110_110_000, null, null, "text", null, null, null, WorkerDiagnosticsMode.On, MetricsBind: null, StateDir: null);
        Arbiter = new Arbiter(process, GenerationOf(1, Settings), _listeners, dispatcher: null, Launcher, Loader, _notifier, Time,
            reopenLogs: () => { }, startSuccessor: startSuccessor ?? (() => throw new InvalidOperationException("no successor in this test")),
            predecessor: null, Health, Metrics, Logger)
        {
            StackCapture = StackCapture,
        };
    }

    public static GenerationSettings DefaultSettings { get; } = new(
        new AppSpecification("/nonexistent/App.dll", null), Workers: 2,
        Timeout: TimeSpan.FromSeconds(30), BootTimeout: TimeSpan.FromSeconds(60), GracefulTimeout: TimeSpan.FromSeconds(30),
        MaxBootFailures: 5, MaxRequests: 0, MaxRequestsJitter: 0, MaxWorkerMemoryMiB: 0, AccessLog: false,
        InheritMode.Listeners, DisposeBeforeSpawn: false, ForkSafetyMode.Off, MySql: null,
        ShutdownDelay: TimeSpan.Zero, ReadyWorkers: null, Replicas: 1);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    public FakeWorkerLauncher Launcher { get; } = new();

    /// <summary>Stands in for reading a stuck worker's stacks through its diagnostics socket.</summary>
    public FakeStackCapture StackCapture { get; } = new();

    /// <summary>What the loop publishes for the fleet endpoint (/livez, /readyz), as the endpoint reads it.</summary>
    public SupervisorHealth Health { get; }

    /// <summary>What the loop publishes for /metrics.</summary>
    public MetricsPublication Metrics { get; } = new();
    public FakeGenerationLoader Loader { get; }
    public RecordingLogger Logger { get; } = new();
    public Arbiter Arbiter { get; }
    public GenerationSettings Settings { get; }

    public Task<int> Run => _run ?? throw new InvalidOperationException("Start the harness first.");

    /// <summary>Starts the loop; with <paramref name="autoReady"/> every worker reports ready as soon as it is launched.</summary>
    public async Task StartAsync(bool autoReady = true)
    {
        if (autoReady)
            Launcher.OnLaunched = worker => worker.Ready();
        _run = Task.Run(Arbiter.RunAsync);
        await SettleAsync();
    }

    public async Task SignalAsync(PosixSignal signal)
    {
        Arbiter.Signal(signal);
        await SettleAsync();
    }

    /// <summary>
    /// Waits until the loop has handled everything enqueued so far and converged after it. Two status requests in a
    /// row: the second is read only after the turn that answered the first has finished.
    /// </summary>
    public async Task SettleAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 3; i++)
        {
            // A loop that has ended answers nothing: its end is the answer.
            Task status = Arbiter.GetStatusAsync(timeout.Token);
            if (_run is not null && await Task.WhenAny(status, _run) == _run)
                return;
            await status;
        }
    }

    /// <summary>Moves the fake clock on in tick-sized steps, letting the loop handle each tick.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        for (TimeSpan moved = TimeSpan.Zero; moved < by; moved += Arbiter.TickInterval)
        {
            Time.Advance(Arbiter.TickInterval);
            await SettleAsync();
        }
    }

    public IReadOnlyList<FakeWorker> LiveOfGeneration(int generation) => Launcher.Live.Where(w => w.Generation == generation).ToList();

    public async Task<int> StopAsync()
    {
        Arbiter.Signal(PosixSignal.SIGINT);
        return await Run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static Generation GenerationOf(int number, GenerationSettings settings)
    {
        IConfiguration configuration = new ConfigurationBuilder().Build();
        var app = new ServedApp(new TestApps.SlowLoadApp(), typeof(TestApps.SlowLoadApp), settings.App.AssemblyPath, configuration,
            new Dictionary<string, string?>(), new Dictionary<string, string> { ["marker"] = $"generation {number}" });
        return new Generation(number, settings, app, new NothingToPrepare());
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            Arbiter.Signal(PosixSignal.SIGINT);
            for (int i = 0; i < 50 && !_run.IsCompleted; i++)
                await AdvanceAsync(Arbiter.TickInterval);
        }
        _listeners.Dispose();
        _notifier.Dispose();
    }

    private sealed class NothingToPrepare : ISpawnPreparation
    {
        public Task<SpawnPlan> PrepareAsync(IReadOnlyList<int> slots, int generation) => Task.FromResult(new SpawnPlan([]));
    }
}
