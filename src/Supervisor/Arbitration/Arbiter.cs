using System.Threading.Channels;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
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

    private readonly ForkHostOptions _options;
    private readonly IReadOnlyList<Listener> _listeners;
    private readonly ServedApp _app;
    private readonly WorkerSpawner _spawner;
    private readonly SpawnPreparation _preparation;
    private readonly ILogger<Arbiter> _logger;
    private readonly Channel<ArbiterEvent> _events = System.Threading.Channels.Channel.CreateUnbounded<ArbiterEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WorkerProcess> _workers = [];
    private readonly Dictionary<int, SlotBackoff> _backoffs = [];
    private readonly long _startedAt = Environment.TickCount64;

    private int _wantedWorkers;
    private int _generation = 1;
    private int _consecutiveBootFailures;
    private bool _allReadyAnnounced;
    private ShutdownMode? _shutdown;
    private long _shutdownDeadline;
    private int _exitCode = ExitCodes.Success;

    public Arbiter(ForkHostOptions options, IReadOnlyList<Listener> listeners, ServedApp app, WorkerSpawner spawner, SpawnPreparation preparation, ILogger<Arbiter> logger)
    {
        _preparation = preparation;
        _options = options;
        _listeners = listeners;
        _app = app;
        _spawner = spawner;
        _logger = logger;
        _wantedWorkers = options.Workers;
    }

    private static long Now => Environment.TickCount64;

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
            if (_shutdown is null)
                await ConvergeAsync();
            else if (_workers.Count == 0)
                break;
        }

        LogStopped(_logger, _exitCode);
        return _exitCode;
    }

    private Task HandleAsync(ArbiterEvent e)
    {
        switch (e)
        {
            case ArbiterEvent.SignalReceived signal:
                OnSignal(signal.Signal);
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
            case ArbiterEvent.StatusRequested status:
                OnStatusRequested(status.Reply);
                break;
        }
        return Task.CompletedTask;
    }

    /// <summary>Stops serving: halts with <paramref name="exitCode"/> once every worker is gone.</summary>
    private void Halt(int exitCode, string reason)
    {
        LogHalting(_logger, reason, exitCode);
        _exitCode = exitCode;
        BeginShutdown(ShutdownMode.Quick);
    }
}
