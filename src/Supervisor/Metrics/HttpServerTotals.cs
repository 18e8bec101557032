using ForkHost.Channel;

namespace ForkHost.Supervisor.Metrics;

/// <summary>The workers' HTTP metrics summed: live workers' latest reports plus what every reaped worker had reported. Immutable.</summary>
/// <param name="RequestDurations">Sorted by labels, so that the exposition's order is stable from scrape to scrape.</param>
internal sealed record HttpServerTotals(
    IReadOnlyList<KeyValuePair<RequestDurationKey, HistogramReport>> RequestDurations,
    HistogramReport ConnectionDuration,
    long ActiveRequests,
    long ActiveConnections)
{
    public static HttpServerTotals Empty { get; } = new(
        [], new HistogramReport(new long[HistogramBoundaries.ConnectionDurationSeconds.Count + 1], 0), 0, 0);
}
