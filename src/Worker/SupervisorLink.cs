using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Descriptors;
using ForkHost.Logging;
using ForkHost.Worker.Descriptors;
using ForkHost.Worker.Dispatching;
using ForkHost.Worker.Metrics;
using ForkHost.Worker.Placement;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker;

/// <summary>
/// The worker's side of the channel once it has booted: heartbeats out; Stop in, and every other way of being told to
/// stop (end of stream, SIGTERM, SIGINT, SIGQUIT) folded into one <see cref="StopRequested"/> task; and, with
/// --balance dispatch, the connections the supervisor accepted, in the order it sent them (all before any Stop).
/// </summary>
internal sealed partial class SupervisorLink : IDisposable
{
    private readonly ControlChannel _channel;
    private readonly WorkerCounters _counters;
    private readonly DispatchedConnections _dispatched;
    private readonly DescriptorBudget _descriptors;
    private readonly WorkerHealth _health;
    private readonly MetricsReporter? _metrics;
    private readonly PlacedServices _placed;
    private readonly Lock _metricsLock = new();
    private readonly LogThrottle _lostConnectionLog = new(TimeSpan.FromSeconds(5));
    private readonly TimeSpan _gracefulTimeout;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<StopRequest> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly CancellationTokenSource _disposed = new();
    private long _granted;
    private int _watchingHeadroom;

    /// <summary>How often a worker whose dispatch headroom is used up checks whether connections closed meanwhile.</summary>
    private static readonly TimeSpan HeadroomPollInterval = TimeSpan.FromMilliseconds(20);

    public SupervisorLink(ControlChannel channel, WorkerCounters counters, DispatchedConnections dispatched, DescriptorBudget descriptors,
        WorkerHealth health, HttpServerMetrics? metrics, PlacedServices placed, TimeSpan gracefulTimeout, ILogger logger)
    {
        _placed = placed;
        placed.ReportReleasesTo(message => channel.Send(message));
        _channel = channel;
        _counters = counters;
        _dispatched = dispatched;
        _descriptors = descriptors;
        _health = health;
        _metrics = metrics is null ? null : new MetricsReporter(metrics);
        _gracefulTimeout = gracefulTimeout;
        _logger = logger;
        _counters.LimitReached += () => _ = Task.Run(SendHeartbeat);
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal));
    }

    public Task<StopRequest> StopRequested => _stop.Task;

    public void RequestStop(StopRequest request)
    {
        if (_stop.TrySetResult(request))
            LogStopRequested(_logger, request.Reason, request.Graceful, request.Deadline.TotalSeconds);
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // SIGTERM (also what PR_SET_PDEATHSIG sends) is graceful, as in gunicorn; SIGINT and SIGQUIT are quick.
        bool graceful = context.Signal == PosixSignal.SIGTERM;
        RequestStop(new StopRequest(graceful, graceful ? _gracefulTimeout : TimeSpan.Zero, $"signal {context.Signal}"));
    }

    public void SendReady(double bootMilliseconds)
    {
        _descriptors.Measure();
        int headroom = _descriptors.ConnectionHeadroom;
        Volatile.Write(ref _granted, headroom);
        _channel.Send(new ReadyMessage(Environment.ProcessId, bootMilliseconds, headroom, _placed.Count));
    }

    /// <summary>Before Ready: what in the app's services keeps state per worker (the supervisor logs it once per generation).</summary>
    public void SendStateFindings(StateFindingsMessage findings) => _channel.Send(findings);

    /// <summary>Starts the reader thread and the heartbeat loop, whose first heartbeat goes out at once.</summary>
    public void Start(TimeSpan heartbeatInterval)
    {
        var reader = new Thread(ReadUntilStopped) { IsBackground = true, Name = "forkhost-channel" };
        reader.Start();
        SendHeartbeat();
        _ = HeartbeatAsync(heartbeatInterval);
    }

    private void ReadUntilStopped()
    {
        try
        {
            while (true)
            {
                ReceivedMessage received;
                try
                {
                    received = _channel.Receive();
                }
                catch (DescriptorsTruncatedException e) when (e.ChannelMessage is ConnectionMessage)
                {
                    // The table was full when the connection arrived. Losing one client is better than the worker
                    // and every connection it holds; the heartbeat's smaller headroom makes the supervisor wait.
                    long lost = _dispatched.RecordLost();
                    if (_lostConnectionLog.ShouldLog(out int suppressed))
                        LogConnectionLost(_logger, e.Message, _descriptors.OpenDescriptors, _descriptors.Limit, lost, suppressed);
                    WatchHeadroomIfUsedUp();
                    continue;
                }
                if (received.Message is StopMessage stop)
                {
                    RequestStop(new StopRequest(stop.Graceful, TimeSpan.FromMilliseconds(stop.DeadlineMilliseconds), "stop message from the supervisor"));
                    continue;
                }
                if (received.Message is LeaseGrantedMessage granted)
                {
                    _placed.Grant(granted.LeaseId, TimeSpan.FromMilliseconds(granted.TtlMilliseconds));
                    continue;
                }
                if (received.Message is LeaseRevokedMessage revoked)
                {
                    _placed.Revoke(revoked.LeaseId);
                    continue;
                }
                if (received.Message is ConnectionMessage connection)
                {
                    if (!_dispatched.Deliver(connection.Listener, received.Descriptors[0]))
                        throw new ChannelProtocolException($"Connection message names listener {connection.Listener}; this worker serves {_dispatched.Count}.");
                    WatchHeadroomIfUsedUp();
                    continue;
                }
                FileDescriptors.CloseAll(received.Descriptors);
                throw new ChannelProtocolException($"Unexpected {received.Message.Type} message after boot.");
            }
        }
        catch (ChannelClosedException)
        {
            if (!_disposed.IsCancellationRequested)
                RequestStop(new StopRequest(true, _gracefulTimeout, "the supervisor closed the channel (it exited)"));
        }
        catch (ChannelProtocolException e)
        {
            LogProtocolError(_logger, e.Message);
            RequestStop(new StopRequest(true, _gracefulTimeout, "protocol error on the channel"));
        }
        catch (Exception e) when (_disposed.IsCancellationRequested)
        {
            _ = e; // The channel was closed under the reader during exit.
        }
    }

    /// <remarks>
    /// Runs on the thread pool on purpose: a worker whose thread pool is starved or whose process is stopped stops
    /// heartbeating, and the supervisor's --timeout then replaces it.
    /// </remarks>
    private async Task HeartbeatAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposed.Token))
            {
                SendHeartbeat();
                SendMetricsIfChanged();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
            RequestStop(new StopRequest(true, _gracefulTimeout, "the supervisor closed the channel (it exited)"));
        }
    }

    /// <summary>
    /// --balance dispatch: once the supervisor has sent all the connections the last heartbeat allowed, it sends no
    /// more until the next one. Waiting a whole heartbeat interval would leave clients in its backlog while this worker
    /// has room again, so the worker reports as soon as a connection has closed. Polls only while the room is used up.
    /// </summary>
    private void WatchHeadroomIfUsedUp()
    {
        if (_dispatched.Received >= Volatile.Read(ref _granted) && Interlocked.Exchange(ref _watchingHeadroom, 1) == 0)
            _ = WatchHeadroomAsync();
    }

    private async Task WatchHeadroomAsync()
    {
        try
        {
            while (_dispatched.Received >= Volatile.Read(ref _granted))
            {
                await Task.Delay(HeadroomPollInterval, _disposed.Token);
                if (_descriptors.ConnectionHeadroom > 0)
                    SendHeartbeat();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // Exiting; the regular heartbeat loop reports a closed channel.
        }
        finally
        {
            Volatile.Write(ref _watchingHeadroom, 0);
        }
    }

    private void SendHeartbeat()
    {
        try
        {
            // Received before the count: a connection arriving in between is counted twice (less headroom), never missed.
            long received = _dispatched.Received;
            _descriptors.Measure();
            int headroom = _descriptors.ConnectionHeadroom;
            Volatile.Write(ref _granted, received + headroom);
            _channel.Send(new HeartbeatMessage(
                _counters.Served,
                _counters.InFlight,
                ProcessMemory.ResidentBytes(),
                GC.GetTotalMemory(forceFullCollection: false),
                _descriptors.OpenDescriptors,
                _descriptors.Limit,
                headroom,
                received,
                _health.UnhealthyReason(),
                _counters.Requests.Oldest()));
        }
        catch (ObjectDisposedException) when (_disposed.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Reports what changed since the last report. Called with the heartbeats, and once more by the worker after
    /// Kestrel has stopped: every request has been measured by then, so none is missing from the supervisor's totals.
    /// </summary>
    public void SendMetricsIfChanged()
    {
        if (_metrics is null)
            return;
        // One report at a time, sent in the order taken: a later cumulative value must never arrive before an earlier one.
        lock (_metricsLock)
        {
            try
            {
                foreach (MetricsMessage message in _metrics.TakeChanges())
                    _channel.Send(message);
            }
            catch (ObjectDisposedException) when (_disposed.IsCancellationRequested)
            {
            }
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        foreach (var registration in _signals)
            registration.Dispose();
        _channel.Shutdown();
    }

    [LoggerMessage(EventId = Logging.EventIds.WorkerStopping, Level = LogLevel.Information,
        Message = "Stopping ({Reason}); graceful: {Graceful}, deadline {DeadlineSeconds:0.#} s")]
    private static partial void LogStopRequested(ILogger logger, string reason, bool graceful, double deadlineSeconds);

    [LoggerMessage(EventId = EventIds.WorkerConnectionLost, Level = LogLevel.Warning,
        Message = "A connection from the supervisor was lost: {Error} ({OpenDescriptors} of {DescriptorLimit} descriptors open; {Lost} lost so far, {Suppressed} since the last line)")]
    private static partial void LogConnectionLost(ILogger logger, string error, int? openDescriptors, int? descriptorLimit, long lost, int suppressed);

    [LoggerMessage(EventId = Logging.EventIds.WorkerChannelError, Level = LogLevel.Error,
        Message = "Protocol error on the channel from the supervisor: {Error}")]
    private static partial void LogProtocolError(ILogger logger, string error);
}
