using ForkHost.Channel;

namespace ForkHost.Worker.Metrics;

/// <summary>
/// A cumulative explicit-bucket histogram, recorded into from request threads. A lock rather than interlocked
/// counters: the count, the sum and the buckets must agree in a report, and the lock is held for a few instructions.
/// </summary>
internal sealed class HistogramAccumulator(IReadOnlyList<double> boundaries)
{
    private readonly Lock _lock = new();
    private readonly long[] _bucketCounts = new long[boundaries.Count + 1];
    private double _sum;
    private long _count;

    /// <summary>Observations so far: what tells a reporter that the histogram changed.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    public void Record(double value)
    {
        int bucket = BucketOf(value);
        lock (_lock)
        {
            _bucketCounts[bucket]++;
            _sum += value;
            _count++;
        }
    }

    public HistogramReport Report()
    {
        lock (_lock)
            return new HistogramReport(_bucketCounts.ToArray(), _sum);
    }

    /// <summary>Prometheus buckets are "less than or equal to" their bound, as OpenTelemetry's are.</summary>
    private int BucketOf(double value)
    {
        for (int i = 0; i < boundaries.Count; i++)
        {
            if (value <= boundaries[i])
                return i;
        }
        return boundaries.Count;
    }
}
