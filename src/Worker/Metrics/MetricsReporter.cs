using System.Text.Json;
using ForkHost.Channel;

namespace ForkHost.Worker.Metrics;

/// <summary>
/// Turns <see cref="HttpServerMetrics"/> into <see cref="MetricsMessage"/>s: nothing when nothing changed since the
/// last report, else the gauges and every request series whose count moved, split over as many messages as the
/// channel's size limit needs. Values are cumulative, so the supervisor keeps the latest of each series.
/// </summary>
internal sealed class MetricsReporter(HttpServerMetrics metrics)
{
    /// <summary>Room left in a message for its request series: the limit, less the header, gauges and the two other histograms.</summary>
    private const int SeriesBudgetBytes = ChannelProtocol.MaxMessageLength - 4 * 1024;

    private readonly Dictionary<RequestSeriesKey, long> _reportedCounts = [];
    private long _reportedOverflowCount;
    private long _reportedConnectionCount = -1;
    private long _reportedActiveRequests = -1;
    private long _reportedActiveConnections = -1;

    /// <summary>The messages of one report; empty when nothing changed. Not thread-safe: one caller at a time, who sends them in order.</summary>
    public IReadOnlyList<MetricsMessage> TakeChanges()
    {
        var changed = new List<RequestDurationReport>();
        foreach ((RequestSeriesKey key, HistogramAccumulator series) in metrics.RequestDurations)
        {
            HistogramReport report = series.Report();
            long count = report.Count;
            if (_reportedCounts.TryGetValue(key, out long reported) && reported == count)
                continue;
            _reportedCounts[key] = count;
            changed.Add(new RequestDurationReport(key.Method, key.Route, key.StatusCode, report));
        }
        HistogramReport overflow = metrics.RequestDurationOverflow.Report();
        HistogramReport connections = metrics.ConnectionDuration.Report();
        long activeRequests = metrics.ActiveRequests;
        long activeConnections = metrics.ActiveConnections;
        bool overflowChanged = overflow.Count != _reportedOverflowCount;
        if (changed.Count == 0 && !overflowChanged && connections.Count == _reportedConnectionCount
            && activeRequests == _reportedActiveRequests && activeConnections == _reportedActiveConnections)
            return [];

        _reportedOverflowCount = overflow.Count;
        _reportedConnectionCount = connections.Count;
        _reportedActiveRequests = activeRequests;
        _reportedActiveConnections = activeConnections;
        HistogramReport? overflowReport = overflow.Count > 0 ? overflow : null;
        var messages = new List<MetricsMessage>();
        foreach (IReadOnlyList<RequestDurationReport> chunk in ChunksWithinLimit(changed))
            messages.Add(new MetricsMessage(activeRequests, activeConnections, connections, chunk, overflowReport));
        return messages;
    }

    /// <summary>At least one chunk, so that changed gauges alone still make a message.</summary>
    private static IEnumerable<IReadOnlyList<RequestDurationReport>> ChunksWithinLimit(List<RequestDurationReport> series)
    {
        var chunk = new List<RequestDurationReport>();
        int bytes = 0;
        foreach (RequestDurationReport report in series)
        {
            // Measured, not estimated: a route may escape to several bytes a character. Only changed series are
            // measured, once a heartbeat interval, so this costs nothing a request would notice.
            int size = JsonSerializer.SerializeToUtf8Bytes(report, ChannelJsonContext.Default.RequestDurationReport).Length + 1;
            if (bytes + size > SeriesBudgetBytes && chunk.Count > 0)
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }
            chunk.Add(report);
            bytes += size;
        }
        yield return chunk;
    }
}
