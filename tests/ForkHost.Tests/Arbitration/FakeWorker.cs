using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Tests.Arbitration;

/// <summary>
/// A worker process that exists only in the test: it records what the arbiter sends it, and the test makes it do what
/// a real worker does (become ready, heartbeat, fail, exit, die of a signal) through the same events a real one causes.
/// </summary>
internal sealed class FakeWorker(int pid, WorkerBoot boot, IWorkerEvents events) : IWorkerProcess
{
    private readonly Lock _lock = new();
    private readonly List<ChannelMessage> _sent = [];
    private readonly List<int> _signals = [];
    private int? _exitCode;

    public int Pid { get; } = pid;
    public WorkerBoot Boot { get; } = boot;
    public int Slot => Boot.Hello.WorkerId;
    public int Generation => Boot.Hello.Generation;
    public Supervisor.Listeners.DispatchTarget? DispatchTarget => null;

    /// <summary>Whether it obeys SIGTERM/SIGINT/SIGKILL and Stop messages by exiting at once, as a healthy worker does.</summary>
    public bool Obedient { get; set; } = true;

    public int? ExitCode
    {
        get { lock (_lock) return _exitCode; }
    }

    public IReadOnlyList<ChannelMessage> Sent
    {
        get { lock (_lock) return _sent.ToList(); }
    }

    public IReadOnlyList<int> Signals
    {
        get { lock (_lock) return _signals.ToList(); }
    }

    public bool TrySend(ChannelMessage message)
    {
        lock (_lock)
        {
            if (_exitCode is not null)
                return false;
            _sent.Add(message);
        }
        if (message is StopMessage && Obedient)
            Exit(0);
        return true;
    }

    public void Signal(int signal)
    {
        lock (_lock)
        {
            if (_exitCode is not null)
                return;
            _signals.Add(signal);
        }
        if (signal == Interop.Signals.SIGKILL || Obedient)
            Exit(128 + signal);
    }

    public void Release()
    {
    }

    /// <param name="placedServices">How many placed hosted services its app registered (AddPlacedHostedService).</param>
    public void Ready(int placedServices = 0) => events.MessageReceived(new ReceivedMessage(new ReadyMessage(Pid, 42, ConnectionHeadroom: 100, placedServices), []));

    /// <summary>Its placed services have stopped and its lock is released, as the real worker reports it.</summary>
    public void ReleaseLease(long leaseId, string reason = "revoked") =>
        events.MessageReceived(new ReceivedMessage(new LeaseReleasedMessage(leaseId, reason), []));

    /// <summary>The leases it was granted or renewed, in order.</summary>
    public IReadOnlyList<LeaseGrantedMessage> Grants => Sent.OfType<LeaseGrantedMessage>().ToList();

    public void Heartbeat(long requestsServed = 0, long residentBytes = 50 << 20, string? unhealthy = null, InFlightRequestReport? oldestRequest = null) =>
        events.MessageReceived(new ReceivedMessage(
            new HeartbeatMessage(requestsServed, oldestRequest is null ? 0 : 1, residentBytes, 10 << 20, OpenDescriptors: 40, DescriptorLimit: 1024, ConnectionHeadroom: 100,
                ConnectionsReceived: 0, unhealthy, oldestRequest), []));

    public void ReportMetrics(MetricsMessage metrics) => events.MessageReceived(new ReceivedMessage(metrics, []));

    /// <summary>
    /// Exits with its final metrics report still unread: the exit callback fires before the channel's reader has
    /// read the report, as it may for a real worker, whose exit and channel are watched by different threads.
    /// </summary>
    public void ExitBeforeFinalReportIsRead(MetricsMessage finalReport)
    {
        lock (_lock)
        {
            if (_exitCode is not null)
                return;
            _exitCode = 0;
        }
        events.Exited();
        events.MessageReceived(new ReceivedMessage(finalReport, []));
        events.ChannelEnded(new ChannelClosedException());
    }

    /// <summary>The app threw in ConfigureServices: the worker says so, then exits 1, as the real one does.</summary>
    public void FailBoot(string reason)
    {
        events.MessageReceived(new ReceivedMessage(new BootFailedMessage(reason), []));
        Exit(1);
    }

    /// <summary>It runs another build than the supervisor's: it refuses to boot, naming both, and exits 2, as the real one does.</summary>
    public void RefuseAsWrongBuild(string workerBuild, string supervisorBuild)
    {
        events.MessageReceived(new ReceivedMessage(new BootFailedMessage(
            $"this worker runs {workerBuild}, not the supervisor's build {supervisorBuild}: deploy new code with USR2", workerBuild), []));
        Exit(2);
    }

    /// <summary>Death by a signal the supervisor did not send (an operator's kill -9, the OOM killer).</summary>
    public void KilledFromOutside(int signal = Interop.Signals.SIGKILL) => Exit(128 + signal);

    public void Exit(int code)
    {
        lock (_lock)
        {
            if (_exitCode is not null)
                return;
            _exitCode = code;
        }
        events.ChannelEnded(new ChannelClosedException());
        events.Exited();
    }
}
