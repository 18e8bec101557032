using ForkHost.Channel;

namespace ForkHost.Supervisor.Metrics;

/// <summary>A histogram summed from several reports, bucket by bucket; every report has the same boundaries.</summary>
internal sealed class HistogramTotal(int buckets)
{
    private readonly long[] _bucketCounts = new long[buckets];
    private double _sum;

    public void Add(HistogramReport report)
    {
        for (int i = 0; i < _bucketCounts.Length; i++)
            _bucketCounts[i] += report.BucketCounts[i];
        _sum += report.Sum;
    }

    /// <summary>A copy: the total may go on growing after it was taken.</summary>
    public HistogramReport ToReport() => new(_bucketCounts.ToArray(), _sum);
}
