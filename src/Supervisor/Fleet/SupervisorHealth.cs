namespace ForkHost.Supervisor.Fleet;

/// <summary>
/// The arbiter loop's health, as the loop itself publishes it once per turn, for the fleet endpoint's HTTP threads:
/// the time of its last turn (liveness) and a <see cref="FleetReadiness"/> snapshot. Writes come from the loop alone;
/// reads are lock-free (a volatile reference and a volatile timestamp), so a probe never waits for the loop and never
/// touches the arbiter's own state.
/// </summary>
internal sealed class SupervisorHealth
{
    /// <summary>
    /// A loop without a turn for this long is stuck. It turns at least every tick (100 ms); every step of a turn is
    /// bounded and the app's load step runs off the loop, so 10 s is a hundred missed ticks, never a slow reload.
    /// </summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly TaskCompletionSource _becameCurrent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _noLongerCurrent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile FleetReadiness _readiness;
    private long _lastTurn;
    private int _turns;

    public SupervisorHealth(TimeProvider time, FleetReadiness initial)
    {
        _time = time;
        _readiness = initial;
        _lastTurn = time.GetTimestamp();
        if (initial.IsCurrent)
            _becameCurrent.TrySetResult();
    }

    public FleetReadiness Readiness => _readiness;

    /// <summary>Completes when this supervisor starts serving the fleet endpoint: at once on a normal start, on takeover in a USR2 successor.</summary>
    public Task BecameCurrent => _becameCurrent.Task;

    /// <summary>Completes when, after being current, this supervisor handed over to a USR2 successor.</summary>
    public Task NoLongerCurrent => _noLongerCurrent.Task;

    /// <summary>On the loop, at the end of every turn.</summary>
    public void RecordTurn(FleetReadiness readiness)
    {
        Volatile.Write(ref _lastTurn, _time.GetTimestamp());
        Interlocked.Increment(ref _turns);
        _readiness = readiness;
        // Continuations run asynchronously: Kestrel starts and stops on the thread pool, never on the loop.
        if (readiness.IsCurrent)
            _becameCurrent.TrySetResult();
        else if (_becameCurrent.Task.IsCompleted)
            _noLongerCurrent.TrySetResult();
    }

    /// <summary>How long ago the loop's last turn ended (or, before its first, since the supervisor started).</summary>
    public TimeSpan SinceLastTurn => _time.GetElapsedTime(Volatile.Read(ref _lastTurn));

    /// <summary>The loop has not turned yet: generation 1's load step is running, before the arbiter exists.</summary>
    public bool LoopStarted => Volatile.Read(ref _turns) > 0;

    /// <summary>
    /// Alive: the loop turned within <see cref="StuckAfter"/>. Before its first turn the supervisor is loading
    /// generation 1 and counts as alive however long that takes, as it does during a reload's load step: a hung first
    /// load shows in /readyz, which a startup probe watches, not in /livez, whose failure restarts the container.
    /// </summary>
    public bool IsLive => !LoopStarted || SinceLastTurn < StuckAfter;
}
