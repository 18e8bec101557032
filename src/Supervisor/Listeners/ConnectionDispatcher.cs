using System.Net.Sockets;
using ForkHost.Channel;
using ForkHost.Descriptors;
using ForkHost.Logging;
using ForkHost.Sockets;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// --balance dispatch: the supervisor accepts every connection itself and hands it to the ready workers in turn
/// (round-robin, as Node's cluster module does), over each worker's channel with SCM_RIGHTS. Keep-alive connections
/// then spread evenly whatever the kernel's wake-up order or hash. A worker whose channel queue is full, or that has
/// no descriptor headroom for another connection (<see cref="DispatchTarget"/>), is skipped; when no worker can take a
/// connection, it waits here and accepting pauses, so further clients wait in the kernel's backlog as they would
/// without the supervisor in the path. Accepting pauses too while only the reserve is left in the supervisor's own
/// descriptor table (<see cref="DescriptorBudget"/>, as in a worker): a supervisor whose table filled would fail its
/// next assembly load for good, and with it every reload, spawn and status request after it.
/// </summary>
internal sealed partial class ConnectionDispatcher : IAsyncDisposable
{
    private readonly IReadOnlyList<Listener> _listeners;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Queue<(int Listener, Socket Connection)> _waiting = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _acceptLoops = [];
    private readonly LogThrottle _shortageLog = new(LogInterval);
    private readonly LogThrottle _failureLog = new(LogInterval);
    private readonly LogThrottle _heldLog = new(LogInterval);
    private readonly LogThrottle _pauseLog = new(LogInterval);
    private readonly LogThrottle _resumeLog = new(LogInterval);
    private readonly DescriptorBudget _descriptors;
    private int _heldConnections;
    private DispatchTarget[] _targets = [];
    private Task? _stopped;
    private TaskCompletionSource _drained = NewSignal();
    private int _next;

    /// <summary>At most one line per interval for each kind of repeated trouble (accept failures, no headroom).</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    public ConnectionDispatcher(IReadOnlyList<Listener> listeners, ILogger logger)
    {
        _listeners = listeners;
        _logger = logger;
        _descriptors = new DescriptorBudget(DescriptorTable.Count, () => Volatile.Read(ref _heldConnections), TimeProvider.System);
    }

    public void Start()
    {
        for (int index = 0; index < _listeners.Count; index++)
            _acceptLoops.Add(AcceptLoopAsync(index));
    }

    /// <summary>
    /// The workers that may receive connections from now on, in turn. A worker left out receives nothing more once
    /// this returns, so a Stop message sent after it is the last thing on that worker's channel. Called after every
    /// batch of arbiter events, heartbeats included, so connections waiting for headroom are offered again then; the
    /// supervisor's own table is counted again then too, since its descriptors change with the events (spawns, exits,
    /// reloads), and heartbeats keep the count at most about a second old.
    /// </summary>
    public void SetTargets(IReadOnlyList<DispatchTarget> targets)
    {
        _descriptors.Measure();
        lock (_lock)
        {
            if (!targets.SequenceEqual(_targets))
                _targets = [.. targets];
            DispatchWaiting();
        }
    }

    /// <summary>
    /// Stops accepting (at once: the caller need not await) and completes once the accept loops have ended;
    /// connections accepted but not yet handed to a worker are closed. Every call returns the same task.
    /// </summary>
    public Task StopAcceptingAsync() => _stopped ??= StopAsync();

    private async Task StopAsync()
    {
        _stopping.Cancel();
        lock (_lock)
            _drained.TrySetResult();
        await Task.WhenAll(_acceptLoops);
        lock (_lock)
        {
            if (_waiting.Count > 0)
                LogDropped(_logger, _waiting.Count);
            while (_waiting.TryDequeue(out var waiting))
                Release(waiting.Connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(int index)
    {
        Socket listener = _listeners[index].Socket;
        string address = _listeners[index].Address;
        CancellationToken stopping = _stopping.Token;
        var backoff = new AcceptBackoff();
        long? pausedSince = null;
        while (!stopping.IsCancellationRequested)
        {
            if (!_descriptors.HasRoom)
            {
                // Only the reserve is left in our own table: leave the clients in the backlog, count again after the pause.
                pausedSince ??= TimeProvider.System.GetTimestamp();
                TimeSpan pause = backoff.Next();
                if (_pauseLog.ShouldLog(out int suppressed))
                {
                    int limit = _descriptors.Limit ?? 0;
                    LogPaused(_logger, address, _descriptors.OpenDescriptors, limit, DescriptorBudget.ReserveFor(limit), suppressed);
                }
                try
                {
                    await Task.Delay(pause, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                _descriptors.Measure();
                continue;
            }
            if (pausedSince is long since)
            {
                pausedSince = null;
                backoff.Reset();
                if (_resumeLog.ShouldLog(out _))
                    LogResumed(_logger, address, TimeProvider.System.GetElapsedTime(since).TotalSeconds, _descriptors.ConnectionHeadroom);
            }

            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(stopping);
                Interlocked.Increment(ref _heldConnections);
                backoff.Reset();
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up while in the backlog: nothing to hand out, nothing wrong.
                continue;
            }
            catch (SocketException e)
            {
                // A passing shortage (EMFILE, ENFILE, ENOBUFS, ENOMEM) or a network error Linux passes on: a supervisor
                // that stopped accepting would serve nothing, so it pauses, longer each time up to a second, and
                // tries again; the clients wait in the backlog meanwhile. One line per interval, with a count.
                TimeSpan delay = backoff.Next();
                // Count again: a failure says the table holds more than the last count did.
                _descriptors.Measure();
                if (DescriptorTable.IsShortage(e.SocketErrorCode))
                {
                    if (_shortageLog.ShouldLog(out int suppressed))
                        LogShortage(_logger, address, e.Message, _descriptors.OpenDescriptors, _descriptors.Limit, delay.TotalMilliseconds, suppressed);
                }
                else if (_failureLog.ShouldLog(out int suppressed))
                {
                    LogAcceptFailed(_logger, address, e.Message, delay.TotalMilliseconds, suppressed);
                }
                await Task.Delay(delay, CancellationToken.None);
                continue;
            }

            Task drained;
            lock (_lock)
            {
                SetNoDelay(connection);
                if (_waiting.Count == 0 && TrySendLocked(index, connection))
                    continue;
                _waiting.Enqueue((index, connection));
                if (_targets.Length > 0 && !_targets.Any(t => t.HasRoom) && _heldLog.ShouldLog(out int suppressed))
                    LogHeld(_logger, _targets.Length, suppressed);
                if (_drained.Task.IsCompleted)
                    _drained = NewSignal();
                drained = _drained.Task;
            }
            // Nobody can take it now: leave further clients in the kernel's backlog until a worker can.
            await drained;
        }
    }

    private void DispatchWaiting()
    {
        while (_waiting.TryPeek(out var waiting) && TrySendLocked(waiting.Listener, waiting.Connection))
            _waiting.Dequeue();
        if (_waiting.Count == 0)
            _drained.TrySetResult();
    }

    /// <summary>Offers the connection to each target once, starting after the last one served; closes our copy once sent.</summary>
    private bool TrySendLocked(int listener, Socket connection)
    {
        for (int attempt = 0; attempt < _targets.Length; attempt++)
        {
            DispatchTarget target = _targets[_next++ % _targets.Length];
            if (!target.HasRoom)
                continue;
            try
            {
                if (!target.Channel.TrySend(new ConnectionMessage(listener), [(int)connection.SafeHandle.DangerousGetHandle()]))
                    continue;
            }
            catch (Exception e) when (e is ChannelClosedException or ObjectDisposedException or System.ComponentModel.Win32Exception)
            {
                continue;
            }
            target.Sent();
            Release(connection);
            return true;
        }
        return false;
    }

    /// <summary>Closes our copy of an accepted connection (sent, or dropped at the stop): it no longer takes a descriptor here.</summary>
    private void Release(Socket connection)
    {
        connection.Dispose();
        Interlocked.Decrement(ref _heldConnections);
    }

    /// <summary>What Kestrel's own accept loop sets on every TCP connection; the option belongs to the socket, so the worker's copy has it.</summary>
    private static void SetNoDelay(Socket connection)
    {
        if (connection.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            return;
        try
        {
            connection.NoDelay = true;
        }
        catch (SocketException)
        {
            // Already reset by the client; the worker will see that on its first read.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = EventIds.DispatchAcceptFailed, Level = LogLevel.Warning,
        Message = "Accepting on {Address} failed: {Error}; pausing {DelayMilliseconds:0} ms and trying again ({Suppressed} more since the last line)")]
    private static partial void LogAcceptFailed(ILogger logger, string address, string error, double delayMilliseconds, int suppressed);

    [LoggerMessage(EventId = EventIds.DispatchDescriptorsExhausted, Level = LogLevel.Warning,
        Message = "Accepting on {Address} failed: {Error} ({OpenDescriptors} of {DescriptorLimit} descriptors open in the supervisor); pausing {DelayMilliseconds:0} ms and trying again ({Suppressed} more since the last line)")]
    private static partial void LogShortage(ILogger logger, string address, string error, int? openDescriptors, int? descriptorLimit, double delayMilliseconds, int suppressed);

    [LoggerMessage(EventId = EventIds.DispatchHeld, Level = LogLevel.Warning,
        Message = "None of the {Workers} ready workers has descriptors for another connection; new clients wait in the backlog until one has ({Suppressed} more since the last line)")]
    private static partial void LogHeld(ILogger logger, int workers, int suppressed);

    [LoggerMessage(EventId = EventIds.DispatchAcceptPaused, Level = LogLevel.Warning,
        Message = "Near the descriptor limit in the supervisor ({OpenDescriptors} of {DescriptorLimit} open, {Reserve} kept free for the runtime): not accepting on {Address} until descriptors are free ({Suppressed} more pauses since the last line)")]
    private static partial void LogPaused(ILogger logger, string address, int? openDescriptors, int descriptorLimit, int reserve, int suppressed);

    [LoggerMessage(EventId = EventIds.DispatchAcceptResumed, Level = LogLevel.Information,
        Message = "Accepting on {Address} again after {Seconds:0.0} s, room for {Headroom} connections in the supervisor")]
    private static partial void LogResumed(ILogger logger, string address, double seconds, int headroom);

    [LoggerMessage(EventId = EventIds.DispatchDropped, Level = LogLevel.Warning, Message = "Closed {Count} accepted connections no worker could take before the stop")]
    private static partial void LogDropped(ILogger logger, int count);
}
