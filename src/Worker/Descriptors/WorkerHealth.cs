using ForkHost.Descriptors;

namespace ForkHost.Worker.Descriptors;

/// <summary>
/// Whether this worker can still serve, as its heartbeat tells the supervisor: a worker that cannot is replaced, as
/// one that stopped heartbeating is. It cannot when an accept loop ended for good (Kestrel serves that address no
/// more), when accepting has failed without a success for <see cref="FailingTooLong"/>, or when its own descriptors
/// leave no room for a connection (<see cref="DescriptorBudget.StarvationReason"/>).
/// </summary>
internal sealed class WorkerHealth(DescriptorBudget descriptors, TimeProvider time)
{
    public static readonly TimeSpan FailingTooLong = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private string? _acceptEnded;
    private string? _failure;
    private long? _failingSince;

    public void AcceptEnded(string address, Exception error)
    {
        lock (_lock)
            _acceptEnded ??= $"accepting on {address} ended: {error.GetType().Name}: {error.Message}";
    }

    public void AcceptFailed(string address, string error)
    {
        lock (_lock)
        {
            _failingSince ??= time.GetTimestamp();
            _failure = $"accepting on {address} fails: {error}";
        }
    }

    /// <summary>An accept succeeded, or the loop paused for its own connections: the failures, if any, are over.</summary>
    public void AcceptRecovered()
    {
        lock (_lock)
        {
            _failingSince = null;
            _failure = null;
        }
    }

    public string? UnhealthyReason()
    {
        lock (_lock)
        {
            if (_acceptEnded is not null)
                return _acceptEnded;
            if (_failingSince is long since && time.GetElapsedTime(since) is var failing && failing >= FailingTooLong)
                return $"{_failure} (without a success for {failing.TotalSeconds:0} s)";
        }
        return descriptors.StarvationReason();
    }
}
