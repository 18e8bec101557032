using System.Net;
using System.Net.Sockets;
using ForkHost.Descriptors;
using ForkHost.Logging;
using ForkHost.Sockets;
using ForkHost.Worker.Descriptors;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Accepting;

/// <summary>
/// Kestrel's listener for a listening socket the supervisor sent, in place of its socket transport's own. That one
/// catches every SocketException from accept(2) and tries again at once, logging "connection reset" at Debug: at
/// EMFILE it spins a core, says nothing, and fills the table to the last descriptor. This one accepts only while the
/// <see cref="DescriptorBudget"/> has room, and after a shortage (EMFILE, ENFILE, ENOBUFS, ENOMEM) or any other
/// failure it logs at most one line per <see cref="LogInterval"/> and pauses (<see cref="AcceptBackoff"/>) instead,
/// while the clients wait in the backlog or go to another worker. Nothing but an unbind ends it, so Kestrel's accept
/// loop never does.
/// </summary>
internal sealed partial class InheritedSocketListener : IConnectionListener
{
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly string _address;
    private readonly SocketConnectionContextFactory _contexts;
    private readonly DescriptorBudget _budget;
    private readonly WorkerHealth _health;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _unbound = new();
    private readonly AcceptBackoff _backoff = new();
    private readonly LogThrottle _failureLog = new(LogInterval);
    private readonly LogThrottle _pauseLog = new(LogInterval);
    private readonly LogThrottle _resumeLog = new(LogInterval);
    private long? _pausedSince;

    private InheritedSocketListener(Socket socket, SocketConnectionContextFactory contexts, DescriptorBudget budget, WorkerHealth health, ILogger logger)
    {
        _socket = socket;
        _contexts = contexts;
        _budget = budget;
        _health = health;
        _logger = logger;
        EndPoint = socket.LocalEndPoint!;
        _address = EndPoint.ToString() ?? "?";
    }

    /// <summary>
    /// Adopts the descriptor without owning it, as Kestrel's transport does: a worker that stops neither closes nor
    /// shuts down the socket the supervisor and the other workers share. listen(2) again with the supervisor's backlog.
    /// </summary>
    public static InheritedSocketListener Bind(FileHandleEndPoint endpoint, int backlog, SocketConnectionContextFactory contexts,
        DescriptorBudget budget, WorkerHealth health, ILogger logger)
    {
        var socket = new Socket(new SafeSocketHandle((IntPtr)endpoint.FileHandle, ownsHandle: false));
        socket.Listen(backlog);
        return new InheritedSocketListener(socket, contexts, budget, health, logger);
    }

    public EndPoint EndPoint { get; }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
        try
        {
            while (true)
            {
                if (!_budget.HasRoom)
                {
                    await PauseForDescriptorsAsync(linked.Token);
                    continue;
                }
                ResumedIfPaused();

                Socket accepted;
                try
                {
                    accepted = await _socket.AcceptAsync(linked.Token);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    // The client gave up while in the backlog: nothing to serve, nothing wrong.
                    continue;
                }
                catch (SocketException e) when (e.SocketErrorCode != SocketError.OperationAborted)
                {
                    await PauseAfterFailureAsync(e, linked.Token);
                    continue;
                }

                _backoff.Reset();
                _health.AcceptRecovered();
                if (TryCreateConnection(accepted) is { } connection)
                    return connection;
            }
        }
        catch (Exception e) when (_unbound.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // UnbindAsync or DisposeAsync: null tells Kestrel this listener is done.
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not a passing condition: Kestrel's accept loop for this address ends, so the supervisor must replace us.
            _health.AcceptEnded(_address, e);
            LogAcceptEnded(_logger, _address, e);
            throw;
        }
    }

    private ConnectionContext? TryCreateConnection(Socket accepted)
    {
        try
        {
            // What Kestrel's transport sets on every TCP connection.
            if (accepted.LocalEndPoint is IPEndPoint)
                accepted.NoDelay = true;
            return _contexts.Create(accepted);
        }
        catch (SocketException)
        {
            // Reset by the client before we got to it (its addresses cannot be read).
            accepted.Dispose();
            return null;
        }
    }

    private async Task PauseForDescriptorsAsync(CancellationToken cancellationToken)
    {
        _pausedSince ??= TimeProvider.System.GetTimestamp();
        // Waiting for our own connections to close is not a failure of accept(2).
        _health.AcceptRecovered();
        TimeSpan delay = _backoff.Next();
        if (_pauseLog.ShouldLog(out int suppressed))
        {
            int limit = _budget.Limit ?? 0;
            LogPaused(_logger, _address, _budget.OpenDescriptors, limit, DescriptorBudget.ReserveFor(limit), suppressed);
        }
        await Task.Delay(delay, cancellationToken);
        _budget.Measure();
    }

    private void ResumedIfPaused()
    {
        if (_pausedSince is not long since)
            return;
        _pausedSince = null;
        _backoff.Reset();
        if (_resumeLog.ShouldLog(out _))
            LogResumed(_logger, _address, TimeProvider.System.GetElapsedTime(since).TotalSeconds, _budget.ConnectionHeadroom);
    }

    private async Task PauseAfterFailureAsync(SocketException error, CancellationToken cancellationToken)
    {
        _health.AcceptFailed(_address, error.Message);
        TimeSpan delay = _backoff.Next();
        // Count again: the failure says the table holds more than the last count did (the app opened descriptors).
        _budget.Measure();
        if (_failureLog.ShouldLog(out int suppressed))
        {
            if (DescriptorTable.IsShortage(error.SocketErrorCode))
                LogShortage(_logger, _address, error.Message, _budget.OpenDescriptors, _budget.Limit, delay.TotalMilliseconds, suppressed);
            else
                LogAcceptFailed(_logger, _address, error.Message, delay.TotalMilliseconds, suppressed);
        }
        await Task.Delay(delay, cancellationToken);
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound.Cancel();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _unbound.Cancel();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = EventIds.WorkerDescriptorsExhausted, Level = LogLevel.Warning,
        Message = "Accepting on {Address} failed: {Error} ({OpenDescriptors} of {DescriptorLimit} descriptors open); pausing {DelayMilliseconds:0} ms and trying again ({Suppressed} more since the last line)")]
    private static partial void LogShortage(ILogger logger, string address, string error, int? openDescriptors, int? descriptorLimit, double delayMilliseconds, int suppressed);

    [LoggerMessage(EventId = EventIds.WorkerAcceptFailed, Level = LogLevel.Warning,
        Message = "Accepting on {Address} failed: {Error}; pausing {DelayMilliseconds:0} ms and trying again ({Suppressed} more since the last line)")]
    private static partial void LogAcceptFailed(ILogger logger, string address, string error, double delayMilliseconds, int suppressed);

    [LoggerMessage(EventId = EventIds.WorkerAcceptPaused, Level = LogLevel.Warning,
        Message = "Near the descriptor limit ({OpenDescriptors} of {DescriptorLimit} open, {Reserve} kept free for the runtime): not accepting on {Address} until connections close ({Suppressed} more pauses since the last line)")]
    private static partial void LogPaused(ILogger logger, string address, int? openDescriptors, int descriptorLimit, int reserve, int suppressed);

    [LoggerMessage(EventId = EventIds.WorkerAcceptResumed, Level = LogLevel.Information,
        Message = "Accepting on {Address} again after {Seconds:0.0} s, room for {Headroom} connections")]
    private static partial void LogResumed(ILogger logger, string address, double seconds, int headroom);

    [LoggerMessage(EventId = EventIds.WorkerAcceptEnded, Level = LogLevel.Critical,
        Message = "Accepting on {Address} ended for good; the supervisor will replace this worker")]
    private static partial void LogAcceptEnded(ILogger logger, string address, Exception error);
}
