using System.Diagnostics;
using System.Threading.Channels;
using ForkHost.Channel;
using ForkHost.Logging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ForkHost.Worker.Placement;

/// <summary>
/// The worker's side of exactly-once placement: the app's placed hosted services run here only while this worker
/// holds both the supervisor's lease and the fence's kernel lock. A grant makes it poll the lock (without blocking,
/// so that a revoke or an expiry still gets through while another process holds it); with the lock it starts the
/// services. A revoke, a lease not renewed within its TTL, or the worker's stop makes it stop them (each within
/// <see cref="StopTimeout"/>), release the lock, then report the release. One loop does all of it, in order, so a
/// revoke can never overtake the start it cancels.
/// </summary>
internal sealed partial class PlacedServices(IPlacementFence fence, TimeProvider time)
{
    /// <summary>How often a worker granted the lease tries the lock while another process holds it.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long each placed service's StopAsync may take before it is abandoned.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Waiting longer than this for the lock is logged, once per lease: another process still runs the services.</summary>
    private static readonly TimeSpan WaitingLogAfter = TimeSpan.FromSeconds(1);

    private readonly Channel<LeaseCommand> _commands = System.Threading.Channels.Channel.CreateUnbounded<LeaseCommand>(new UnboundedChannelOptions { SingleReader = true });
    private IReadOnlyList<(PlacedHostedServiceRegistration Registration, IHostedService Service)> _services = [];
    private Action<LeaseReleasedMessage> _reportRelease = _ => { };
    private ILogger _logger = NullLogger.Instance;

    // The loop's state; nothing else reads or writes it.
    private long? _lease;
    private TimeSpan _ttl;
    private long _renewedAt;
    private long _grantedAt;
    private bool _waitingLogged;
    private IDisposable? _lock;
    private bool _running;

    /// <summary>A service that did not stop in time still runs: this worker keeps the lock until it exits, and holds no lease again.</summary>
    private bool _abandoned;

    public IPlacementFence Fence => fence;

    /// <summary>How many placed services the app registered; the ready message tells the supervisor.</summary>
    public int Count => _services.Count;

    /// <summary>Where releases go: the channel to the supervisor. Set before the worker reports ready.</summary>
    public void ReportReleasesTo(Action<LeaseReleasedMessage> report) => _reportRelease = report;

    /// <summary>At the host's start: the app's placed services, resolved; the loop runs from now on if there are any.</summary>
    public void Attach(IReadOnlyList<(PlacedHostedServiceRegistration Registration, IHostedService Service)> services, ILogger logger)
    {
        _services = services;
        _logger = logger;
        if (services.Count > 0)
            _ = Task.Run(RunAsync);
    }

    /// <summary>From the channel's reader: a grant, or a renewal of the lease held.</summary>
    public void Grant(long leaseId, TimeSpan ttl) => _commands.Writer.TryWrite(new LeaseCommand.Granted(leaseId, ttl));

    public void Revoke(long leaseId) => _commands.Writer.TryWrite(new LeaseCommand.Revoked(leaseId));

    /// <summary>At the host's stop, before the app's own hosted services stop: the placed services stop first.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_services.Count == 0)
            return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _commands.Writer.TryWrite(new LeaseCommand.Stop(done));
        try
        {
            // Bounded by the stop timeout per service anyway; the host's own deadline may be shorter.
            await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A quick stop: the process exits now, and the lock goes with it.
        }
    }

    private async Task RunAsync()
    {
        while (true)
        {
            LeaseCommand? command = await NextAsync(_lease is null ? Timeout.InfiniteTimeSpan : PollInterval);
            switch (command)
            {
                case LeaseCommand.Granted granted when granted.LeaseId == _lease:
                    _renewedAt = time.GetTimestamp();
                    _ttl = granted.Ttl;
                    break;
                case LeaseCommand.Granted granted:
                    if (_lease is not null)
                        await EndLeaseAsync("replaced");
                    if (_abandoned)
                    {
                        // It cannot run them twice in one process either.
                        Report(granted.LeaseId, "failed");
                        break;
                    }
                    _lease = granted.LeaseId;
                    _ttl = granted.Ttl;
                    _renewedAt = _grantedAt = time.GetTimestamp();
                    _waitingLogged = false;
                    break;
                case LeaseCommand.Revoked revoked when revoked.LeaseId == _lease:
                    await EndLeaseAsync("revoked");
                    break;
                case LeaseCommand.Revoked revoked:
                    // Already given back (it expired here first): say so again, the supervisor may be waiting for it.
                    Report(revoked.LeaseId, "revoked");
                    break;
                case LeaseCommand.Stop stop:
                    if (_lease is not null)
                        await EndLeaseAsync("stopping");
                    _commands.Writer.TryComplete();
                    stop.Done.TrySetResult();
                    return;
            }

            if (_lease is not long lease)
                continue;
            if (time.GetElapsedTime(_renewedAt) > _ttl)
            {
                // The supervisor stopped renewing (it is hung, or cannot reach this worker): after the same TTL it
                // may grant the lease elsewhere, so the services must be stopped by then.
                LogLeaseExpired(_logger, lease, _ttl.TotalSeconds, _running);
                await EndLeaseAsync("expired");
                continue;
            }
            if (_lock is null)
                await TryStartAsync(lease);
        }
    }

    private async Task<LeaseCommand?> NextAsync(TimeSpan wait)
    {
        if (_commands.Reader.TryRead(out LeaseCommand? ready))
            return ready;
        using var timeout = new CancellationTokenSource(wait, time);
        try
        {
            return await _commands.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task TryStartAsync(long lease)
    {
        IDisposable? acquired;
        try
        {
            acquired = fence.TryAcquire();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            LogServiceFailed(_logger, e, "the placement lock", fence.Description);
            Report(lease, "failed");
            ClearLease();
            return;
        }
        if (acquired is null)
        {
            if (!_waitingLogged && time.GetElapsedTime(_grantedAt) > WaitingLogAfter)
            {
                _waitingLogged = true;
                LogLockWaiting(_logger, lease, fence.Description, time.GetElapsedTime(_grantedAt).TotalMilliseconds);
            }
            return;
        }
        _lock = acquired;
        double waited = time.GetElapsedTime(_grantedAt).TotalMilliseconds;
        var started = new List<IHostedService>();
        foreach ((PlacedHostedServiceRegistration registration, IHostedService service) in _services)
        {
            try
            {
                using var startTimeout = new CancellationTokenSource(StopTimeout, time);
                await service.StartAsync(startTimeout.Token);
                started.Add(service);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogServiceFailed(_logger, e, "start", registration.ToString());
                _running = true;
                await StopServicesAsync(started, "failed");
                FinishRelease(lease, "failed");
                return;
            }
        }
        _running = true;
        LogStarted(_logger, lease, string.Join(", ", _services.Select(s => s.Registration.ToString())), fence.Description, waited);
    }

    /// <summary>Stops what runs (in reverse order, as the host does), releases the lock, reports.</summary>
    private async Task EndLeaseAsync(string reason)
    {
        long lease = _lease!.Value;
        if (_running)
            await StopServicesAsync(_services.Select(s => s.Service).ToList(), reason);
        FinishRelease(lease, reason);
    }

    private async Task StopServicesAsync(IReadOnlyList<IHostedService> services, string reason)
    {
        var watch = Stopwatch.StartNew();
        foreach (IHostedService service in services.Reverse())
        {
            using var timeout = new CancellationTokenSource(StopTimeout, time);
            try
            {
                // A StopAsync that ignores its token is waited for only a little longer than the token allows.
                await service.StopAsync(timeout.Token).WaitAsync(StopTimeout + StopTimeout, time);
            }
            catch (TimeoutException)
            {
                _abandoned = true;
                LogServiceFailed(_logger, null, "stop within the timeout", service.GetType().FullName ?? service.GetType().Name);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogServiceFailed(_logger, e, "stop", service.GetType().FullName ?? service.GetType().Name);
            }
        }
        _running = false;
        LogStopped(_logger, _lease ?? 0, reason, watch.Elapsed.TotalMilliseconds);
    }

    private void FinishRelease(long lease, string reason)
    {
        // A service still running after its stop timeout keeps the lock held, so that no other process can start a
        // second copy; the lock goes when this process exits.
        if (!_abandoned)
            _lock?.Dispose();
        _lock = null;
        ClearLease();
        Report(lease, reason);
    }

    private void ClearLease()
    {
        _lease = null;
        _running = false;
    }

    private void Report(long lease, string reason)
    {
        try
        {
            _reportRelease(new LeaseReleasedMessage(lease, reason));
        }
        catch (Exception e) when (e is ForkHost.Channel.ChannelClosedException or ObjectDisposedException)
        {
            // The supervisor is gone, or this worker is exiting: the lock is released either way.
        }
    }

    [LoggerMessage(EventId = EventIds.PlacedServicesStarted, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} held: started {Services} ({Fence} taken after {WaitedMilliseconds:0} ms)")]
    private static partial void LogStarted(ILogger logger, long leaseId, string services, string fence, double waitedMilliseconds);

    [LoggerMessage(EventId = EventIds.PlacedServicesStopped, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} given back ({Reason}): placed services stopped in {Milliseconds:0} ms")]
    private static partial void LogStopped(ILogger logger, long leaseId, string reason, double milliseconds);

    [LoggerMessage(EventId = EventIds.PlacedServiceFailed, Level = LogLevel.Error,
        Message = "Placed service could not {Action}: {Service}")]
    private static partial void LogServiceFailed(ILogger logger, Exception? exception, string action, string service);

    [LoggerMessage(EventId = EventIds.PlacementLockWaiting, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} granted, but another process holds the {Fence} ({WaitedMilliseconds:0} ms so far): a previous holder still stopping, or another supervisor's worker (an upgrade); waiting")]
    private static partial void LogLockWaiting(ILogger logger, long leaseId, string fence, double waitedMilliseconds);

    [LoggerMessage(EventId = EventIds.PlacementLeaseExpired, Level = LogLevel.Warning,
        Message = "Placement lease {LeaseId} not renewed for {TtlSeconds:0.#} s (running: {Running}): giving it up")]
    private static partial void LogLeaseExpired(ILogger logger, long leaseId, double ttlSeconds, bool running);
}
