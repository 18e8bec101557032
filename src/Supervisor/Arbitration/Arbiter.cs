using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Fleet;
using ForkHost.Supervisor.Generations;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Metrics;
using ForkHost.Supervisor.Placement;
using ForkHost.Supervisor.Systemd;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// The supervisor's one loop, after gunicorn's arbiter: signal handlers, channel readers, exit callbacks and the
/// generation loader only enqueue events; the loop alone changes state. After every batch of events it kills the
/// overdue, then converges to the wanted number of workers of the current generation. It returns the exit code.
/// Its partial files are its features: slots (spawn, reap, backoff), health (readiness, heartbeats, deadlines,
/// recycling), reload (SIGHUP), upgrade (SIGUSR2), shutdown, status.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>How often the loop wakes with nothing to do, to check deadlines and backoffs.</summary>
    internal static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly ProcessSettings _process;
    private readonly SlotListeners _listeners;
    private readonly ConnectionDispatcher? _dispatcher;
    private readonly IWorkerLauncher _launcher;
    private readonly IGenerationLoader _loader;
    private readonly SystemdNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly SupervisorHealth _health;
    private readonly MetricsPublication _metricsPublication;
    private readonly Action _reopenLogs;
    private readonly Func<Task<Process>> _startSuccessor;
    private readonly int? _predecessor;
    private readonly ILogger _logger;
    private readonly Channel<ArbiterEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WorkerHandle> _workers = [];

    /// <summary>Which worker runs the app's placed hosted services (AddPlacedHostedService).</summary>
    private readonly PlacementLease _placement;
    private readonly long _origin;
    private readonly long _startedAt;

    /// <summary>The generation that empty slots are filled with.</summary>
    private Generation _current;
    private int _wantedWorkers;

    /// <param name="initial">Generation 1, loaded by <c>forkhost run</c> before the loop starts.</param>
    /// <param name="dispatcher">With --balance dispatch: the supervisor's accept loops, told which workers take connections.</param>
    /// <param name="reopenLogs">Rebuilds the supervisor's log sinks, for SIGUSR1.</param>
    /// <param name="startSuccessor">Starts a new supervisor that inherits the listeners, for SIGUSR2.</param>
    /// <param name="predecessor">The supervisor this one replaces (SIGUSR2), told to stop once our workers are ready.</param>
    /// <param name="health">Where the loop publishes its turns and readiness, for the fleet endpoint (--metrics-bind).</param>
    /// <param name="metrics">Where the loop publishes what /metrics shows.</param>
    /// <summary>The Data Protection key ring every worker shares (<see cref="State.SharedKeyRing"/>); null: none usable.</summary>
    public string? KeyRingDirectory { get; init; }

    /// <summary>Each worker's share of the cgroup's memory limit; null: workers get the runtime's default (tests).</summary>
    public Resources.WorkerHeapBudget? HeapBudget { get; init; }

    /// <summary>The kernel's OOM kill counters, read when a worker dies of SIGKILL; null: no exit is blamed on the OOM killer.</summary>
    public Resources.OomKillCounter? OomKills { get; init; }

    public Arbiter(ProcessSettings process, Generation initial, SlotListeners listeners, ConnectionDispatcher? dispatcher,
        IWorkerLauncher launcher, IGenerationLoader loader, SystemdNotifier notifier, TimeProvider time,
        Action reopenLogs, Func<Task<Process>> startSuccessor, int? predecessor, SupervisorHealth health, MetricsPublication metrics, ILogger logger)
    {
        _process = process;
        _current = initial;
        _listeners = listeners;
        _dispatcher = dispatcher;
        _launcher = launcher;
        _loader = loader;
        _notifier = notifier;
        _time = time;
        _reopenLogs = reopenLogs;
        _startSuccessor = startSuccessor;
        _predecessor = predecessor;
        _health = health;
        _metricsPublication = metrics;
        _logger = logger;
        _placement = new PlacementLease(logger);
        _wantedWorkers = initial.Settings.Workers;
        _origin = time.GetTimestamp();
        _startedAt = Now;
    }

    private GenerationSettings Settings => _current.Settings;

    /// <summary>Milliseconds since the arbiter was made, on its <see cref="TimeProvider"/>.</summary>
    private long Now => (long)_time.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>A successor took over (SIGUSR2): the pid file, socket files and control socket are now its own.</summary>
    public bool HandedOver { get; private set; }

    /// <summary>From signal handlers (<see cref="SignalForwarding"/>) and tests: handled on the loop, in order.</summary>
    public void Signal(PosixSignal signal) => _events.Writer.TryWrite(new ArbiterEvent.SignalReceived(signal));

    public async Task<int> RunAsync()
    {
        await using ITimer ticker = _time.CreateTimer(_ => _events.Writer.TryWrite(new ArbiterEvent.Tick()), null, TickInterval, TickInterval);

        PublishMetrics();
        await ConvergeAsync();
        while (true)
        {
            ArbiterEvent next = await _events.Reader.ReadAsync();
            do
            {
                await HandleAsync(next);
            }
            while (_events.Reader.TryRead(out next!));

            DrainWhenDelayIsOver();
            KillOverdue();
            // After the kills and before the spawns: a holder killed this turn is revoked (or, once reaped, replaced).
            _placement.Converge(_workers, _current.Number, stopping: _shutdown is not null || HandedOver, Now);
            PublishDispatchTargets();
            _notifier.WatchdogTick(Now);
            PublishMetrics();
            if (_shutdown is null)
                await ConvergeAsync();
            PublishHealth();
            if (_shutdown is not null && _workers.Count == 0)
                break;
        }

        // A load step still running (a stop during a reload) is told to give up; the process exits without it.
        _loadCancellation?.Cancel();
        LogStopped(_logger, _exitCode);
        return _exitCode;
    }

    private async Task HandleAsync(ArbiterEvent e)
    {
        switch (e)
        {
            case ArbiterEvent.SignalReceived signal:
                await OnSignalAsync(signal.Signal);
                break;
            case ArbiterEvent.MessageReceived { Source.Worker: { } worker } message:
                OnMessage(worker, message.Received);
                break;
            case ArbiterEvent.ChannelEnded { Source.Worker: { } worker } ended:
                OnChannelEnded(worker, ended.Reason);
                break;
            case ArbiterEvent.WorkerExited { Source.Worker: { } worker }:
                OnWorkerExited(worker);
                break;
            case ArbiterEvent.GenerationLoaded loaded:
                OnGenerationLoaded(loaded.Result);
                break;
            case ArbiterEvent.SuccessorExited successor:
                OnSuccessorExited(successor.Process);
                break;
            case ArbiterEvent.StatusRequested status:
                OnStatusRequested(status.Reply);
                break;
        }
    }

    /// <summary>With --balance dispatch: connections go to the ready workers, in slot order, and to no other.</summary>
    private void PublishDispatchTargets() =>
        _dispatcher?.SetTargets(_shutdown is not null
            ? []
            : _workers.Where(w => w.State == WorkerState.Ready && w.Process.DispatchTarget is not null)
                .OrderBy(w => w.Slot).ThenBy(w => w.Generation).Select(w => w.Process.DispatchTarget!).ToList());

    private string StatusText()
    {
        int ready = _workers.Count(w => w.State == WorkerState.Ready);
        return $"{ready} of {_wantedWorkers} workers ready (generation {_current.Number})";
    }
}
