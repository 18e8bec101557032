using System.Runtime.InteropServices;
using ForkHost.Channel;
using ForkHost.Worker.Dispatching;
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
    private readonly TimeSpan _gracefulTimeout;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<StopRequest> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly CancellationTokenSource _disposed = new();

    public SupervisorLink(ControlChannel channel, WorkerCounters counters, DispatchedConnections dispatched, TimeSpan gracefulTimeout, ILogger logger)
    {
        _channel = channel;
        _counters = counters;
        _dispatched = dispatched;
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

    public void SendReady(double bootMilliseconds) =>
        _channel.Send(new ReadyMessage(Environment.ProcessId, bootMilliseconds));

    /// <summary>Starts the reader thread and the heartbeat loop.</summary>
    public void Start(TimeSpan heartbeatInterval)
    {
        var reader = new Thread(ReadUntilStopped) { IsBackground = true, Name = "forkhost-channel" };
        reader.Start();
        _ = HeartbeatAsync(heartbeatInterval);
    }

    private void ReadUntilStopped()
    {
        try
        {
            while (true)
            {
                ReceivedMessage received = _channel.Receive();
                if (received.Message is StopMessage stop)
                {
                    RequestStop(new StopRequest(stop.Graceful, TimeSpan.FromMilliseconds(stop.DeadlineMilliseconds), "stop message from the supervisor"));
                    continue;
                }
                if (received.Message is ConnectionMessage connection)
                {
                    if (!_dispatched.Deliver(connection.Listener, received.Descriptors[0]))
                        throw new ChannelProtocolException($"Connection message names listener {connection.Listener}; this worker serves {_dispatched.Count}.");
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
                SendHeartbeat();
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
            RequestStop(new StopRequest(true, _gracefulTimeout, "the supervisor closed the channel (it exited)"));
        }
    }

    private void SendHeartbeat()
    {
        try
        {
            _channel.Send(new HeartbeatMessage(
                _counters.Served, _counters.InFlight, ProcessMemory.ResidentBytes(), GC.GetTotalMemory(forceFullCollection: false)));
        }
        catch (ObjectDisposedException) when (_disposed.IsCancellationRequested)
        {
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

    [LoggerMessage(EventId = Logging.EventIds.WorkerChannelError, Level = LogLevel.Error,
        Message = "Protocol error on the channel from the supervisor: {Error}")]
    private static partial void LogProtocolError(ILogger logger, string error);
}
