using System.Diagnostics;
using System.Threading.Channels;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Systemd;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// The supervisor's one loop, after gunicorn's arbiter: signal handlers, channel readers and exit callbacks only
/// enqueue events; the loop alone changes state. After every batch of events it kills the hung, then converges to the
/// wanted number of workers. It returns the process exit code.
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>How often the loop wakes with nothing to do, to check deadlines and backoffs.</summary>
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a hung worker gets between SIGTERM and SIGKILL.</summary>
    internal static readonly TimeSpan HungKillGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long a quick stop waits before SIGKILL.</summary>
    internal static readonly TimeSpan QuickStopGrace = TimeSpan.FromSeconds(1);

    private readonly SlotListeners _listeners;
    private readonly ConnectionDispatcher? _dispatcher;
    private readonly WorkerSpawner _spawner;
    private readonly SystemdNotifier _notifier;
    private readonly Func<Task<RunConfiguration?>> _reload;
    private readonly Action _reopenLogs;
    private readonly Func<Task<Process>> _startSuccessor;
    private readonly int? _predecessor;
    private Process? _successor;
    private bool _handedOver;
    private readonly ILogger<Arbiter> _logger;
    private readonly Channel<ArbiterEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WorkerProcess> _workers = [];
    private readonly Dictionary<int, SlotBackoff> _backoffs = [];
    private readonly long _startedAt = Environment.TickCount64;

    private RunConfiguration _configuration;
    private ReloadState? _reloading;
    private int _wantedWorkers;
    private int _generation = 1;
    private int _consecutiveBootFailures;
    private bool _allReadyAnnounced;
    private ShutdownMode? _shutdown;
    private long _shutdownDeadline;
    private int _exitCode = ExitCodes.Success;

    /// <param name="reopenLogs">Rebuilds the supervisor's log sinks, for SIGUSR1.</param>
    /// <param name="startSuccessor">Starts a new supervisor that inherits the listeners, for SIGUSR2.</param>
    /// <param name="predecessor">The supervisor this one replaces (SIGUSR2), told to stop once our workers are ready.</param>
    /// <param name="reload">Re-reads the configuration and runs the app's load step again, for SIGHUP; null when that fails (it logs why).</param>
    /// <param name="dispatcher">With --balance dispatch: the supervisor's accept loops, told which workers take connections.</param>
    public Arbiter(RunConfiguration configuration, SlotListeners listeners, ConnectionDispatcher? dispatcher, WorkerSpawner spawner, SystemdNotifier notifier,
        Func<Task<RunConfiguration?>> reload, Action reopenLogs, Func<Task<Process>> startSuccessor, int? predecessor, ILogger<Arbiter> logger)
    {
        _dispatcher = dispatcher;
        _startSuccessor = startSuccessor;
        _predecessor = predecessor;
        _reopenLogs = reopenLogs;
        _configuration = configuration;
        _listeners = listeners;
        _spawner = spawner;
        _notifier = notifier;
        _reload = reload;
        _logger = logger;
        _wantedWorkers = configuration.Options.Workers;
    }

    private ForkHostOptions Options => _configuration.Options;
    private ServedApp App => _configuration.App;
    private SpawnPreparation Preparation => _configuration.Preparation;

    private static long Now => Environment.TickCount64;

    /// <summary>A successor took over (SIGUSR2): the pid file, socket files and control socket are now its own.</summary>
    public bool HandedOver => _handedOver;

    public async Task<int> RunAsync()
    {
        using var signals = RegisterSignals();
        await using var ticker = new Timer(_ => _events.Writer.TryWrite(new ArbiterEvent.Tick()), null, TickInterval, TickInterval);

        await ConvergeAsync();
        while (true)
        {
            ArbiterEvent next = await _events.Reader.ReadAsync();
            do
            {
                await HandleAsync(next);
            }
            while (_events.Reader.TryRead(out next!));

            KillUnresponsive();
            PublishDispatchTargets();
            _notifier.WatchdogTick(Now);
            if (_shutdown is null)
                await ConvergeAsync();
            else if (_workers.Count == 0)
                break;
        }

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
            case ArbiterEvent.MessageReceived message:
                OnMessage(message.Worker, message.Received);
                break;
            case ArbiterEvent.ChannelEnded ended:
                OnChannelEnded(ended.Worker, ended.Reason);
                break;
            case ArbiterEvent.WorkerExited exited:
                OnWorkerExited(exited.Worker);
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
            : _workers.Where(w => w.State == WorkerState.Ready).OrderBy(w => w.Slot).ThenBy(w => w.Generation).Select(w => w.DispatchTarget).ToList());

    /// <summary>Stops serving: halts with <paramref name="exitCode"/> once every worker is gone.</summary>
    private void Halt(int exitCode, string reason)
    {
        LogHalting(_logger, reason, exitCode);
        _exitCode = exitCode;
        BeginShutdown(ShutdownMode.Quick);
    }
}
