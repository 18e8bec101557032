using System.Text.Json.Serialization;

namespace ForkHost.Channel;

/// <summary>
/// One histogram as a worker reports it: cumulative since the worker started, so a lost or repeated report changes
/// nothing but freshness.
/// </summary>
/// <param name="BucketCounts">
/// Observations per bucket, not cumulative: one entry per upper bound of the histogram's boundaries
/// (<see cref="HistogramBoundaries"/>), then one for everything above the last bound.
/// </param>
/// <param name="Sum">The sum of every observation, in the instrument's unit (seconds).</param>
internal sealed record HistogramReport(IReadOnlyList<long> BucketCounts, double Sum)
{
    /// <summary>How many observations the histogram holds; derived, so not sent.</summary>
    [JsonIgnore]
    public long Count => BucketCounts.Sum();
}
