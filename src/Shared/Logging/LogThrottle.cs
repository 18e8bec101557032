namespace ForkHost.Logging;

/// <summary>
/// Lets one occurrence of an event through per interval and counts the others, so that a flood of the same warning
/// becomes one line per interval saying how many occurrences it stands for, instead of one line each. Thread-safe.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private long? _nextAllowed;
    private int _suppressed;

    public TimeSpan Interval { get; } = interval;

    /// <summary>Call for every occurrence.</summary>
    /// <param name="suppressed">When this returns true: how many occurrences since the last one let through were not.</param>
    /// <returns>True when this occurrence should be logged.</returns>
    public bool ShouldLog(out int suppressed)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_nextAllowed is long next && now < next)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }
            _nextAllowed = now + (long)(Interval.TotalSeconds * _time.TimestampFrequency);
            suppressed = _suppressed;
            _suppressed = 0;
            return true;
        }
    }

    /// <summary>Occurrences not let through since the last one that was, and forgets them (for a final line at the end).</summary>
    public int TakeSuppressed()
    {
        lock (_lock)
        {
            int suppressed = _suppressed;
            _suppressed = 0;
            return suppressed;
        }
    }
}
