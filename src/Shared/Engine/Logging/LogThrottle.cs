namespace ForkHost.Logging;

/// <summary>
/// At most one log line per interval for an event that can repeat thousands of times a second (an accept loop out of
/// descriptors): the caller logs when <see cref="ShouldLog"/> says so, with the number of occurrences it swallowed
/// since the last line, so the log stays readable and still says how often it happened. Thread-safe.
/// </summary>
internal sealed class LogThrottle(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _lock = new();
    private long _lastLoggedAt;
    private bool _loggedBefore;
    private int _suppressed;

    public LogThrottle(TimeSpan interval) : this(interval, TimeProvider.System)
    {
    }

    /// <summary>True when this occurrence should be logged; <paramref name="suppressed"/> is how many were not, before it.</summary>
    public bool ShouldLog(out int suppressed)
    {
        lock (_lock)
        {
            long now = time.GetTimestamp();
            if (_loggedBefore && time.GetElapsedTime(_lastLoggedAt, now) < interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }
            suppressed = _suppressed;
            _suppressed = 0;
            _lastLoggedAt = now;
            _loggedBefore = true;
            return true;
        }
    }
}
