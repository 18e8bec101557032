namespace ForkHost.Worker;

/// <summary>Request counters reported in every heartbeat.</summary>
internal sealed class WorkerCounters
{
    private long _served;
    private int _inFlight;

    public long Served => Interlocked.Read(ref _served);
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Which requests are in flight and since when: the heartbeat reports the oldest.</summary>
    public InFlightRequests Requests { get; } = new();

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <summary>Requests after which <see cref="LimitReached"/> fires once (0: never).</summary>
    public long Limit { get; init; }

    public event Action? LimitReached;

    public void RequestFinished()
    {
        Interlocked.Decrement(ref _inFlight);
        if (Interlocked.Increment(ref _served) == Limit)
            LimitReached?.Invoke();
    }
}
