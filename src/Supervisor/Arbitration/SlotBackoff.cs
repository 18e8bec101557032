namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Respawn delay of one worker slot. The first crash is replaced at once; crashes that follow quickly wait
/// 0.1 s, 0.2 s, 0.4 s … up to 5 s, with ±20 % jitter so that slots crashing together do not respawn in lockstep.
/// </summary>
internal sealed class SlotBackoff
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>A worker that served this long before it crashed resets the count.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(10);

    public int RecentFailures { get; private set; }

    /// <summary>Environment.TickCount64 before which the slot is not refilled.</summary>
    public long NotBefore { get; private set; }

    public TimeSpan RecordFailure(long now, TimeSpan? servedFor)
    {
        if (servedFor >= StableAfter)
            RecentFailures = 0;
        RecentFailures++;
        TimeSpan delay = RecentFailures == 1
            ? TimeSpan.Zero
            : TimeSpan.FromMilliseconds(Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, RecentFailures - 2), MaxDelay.TotalMilliseconds)
                * (0.8 + (0.4 * Random.Shared.NextDouble())));
        NotBefore = now + (long)delay.TotalMilliseconds;
        return delay;
    }
}
