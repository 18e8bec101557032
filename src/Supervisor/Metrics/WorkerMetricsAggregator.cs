using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// Sums the workers' HTTP metrics, on the arbiter loop only (it is fed by arbiter events, like heartbeats, and read
/// there to build the published snapshot): no lock. Per worker it keeps the latest cumulative report; once a worker
/// is reaped and its channel has ended, its report is folded into retained totals, so that a sum never drops when a
/// worker is recycled, crashes or is replaced by a reload.
/// </summary>
/// <remarks>
/// A worker's exit and its last messages come from different threads (the process's exit callback, the channel's
/// reader), so its final report may be read after the exit was handled. The worker is therefore kept until both have
/// happened: the reader reports the end of the channel after the last message it read.
/// </remarks>
internal sealed class WorkerMetricsAggregator
{
    /// <summary>
    /// Distinct request series kept over all workers, past and present (a reload may bring new routes); later ones go
    /// to the overflow series. Twice a worker's own limit: one generation's routes and the next one's.
    /// </summary>
    public const int MaxRequestSeries = 4000;

    private static readonly int RequestBuckets = HistogramBoundaries.RequestDurationSeconds.Count + 1;
    private static readonly int ConnectionBuckets = HistogramBoundaries.ConnectionDurationSeconds.Count + 1;

    private readonly Dictionary<WorkerHandle, WorkerMetricsReports> _workers = [];
    private readonly Dictionary<RequestDurationKey, HistogramTotal> _retainedRequestDurations = [];
    private readonly HistogramTotal _retainedConnectionDuration = new(ConnectionBuckets);
    private HttpServerTotals? _totals = HttpServerTotals.Empty;

    /// <summary>Workers whose reports are kept apart from the retained totals: live ones, and reaped ones whose channel is still open.</summary>
    public int TrackedWorkers => _workers.Count;

    /// <summary>Takes a worker's report. A malformed one (a histogram with the wrong buckets) is a protocol error.</summary>
    /// <exception cref="ChannelProtocolException">The report does not match the boundaries both sides were built with.</exception>
    public void Record(WorkerHandle worker, MetricsMessage message)
    {
        Validate(message);
        ReportsOf(worker).Merge(message);
        _totals = null;
    }

    public void WorkerReaped(WorkerHandle worker)
    {
        ReportsOf(worker).Reaped = true;
        FoldIfDone(worker);
        _totals = null;
    }

    public void ChannelEnded(WorkerHandle worker)
    {
        ReportsOf(worker).ChannelEnded = true;
        FoldIfDone(worker);
        _totals = null;
    }

    /// <summary>Retained totals plus every tracked worker's latest report; gauges from live workers only. Cached until the next change.</summary>
    public HttpServerTotals Totals()
    {
        if (_totals is { } cached)
            return cached;

        var requestDurations = new Dictionary<RequestDurationKey, HistogramTotal>(_retainedRequestDurations.Count);
        foreach ((RequestDurationKey key, HistogramTotal retained) in _retainedRequestDurations)
            SeriesOf(requestDurations, key).Add(retained.ToReport());
        var connectionDuration = new HistogramTotal(ConnectionBuckets);
        connectionDuration.Add(_retainedConnectionDuration.ToReport());
        long activeRequests = 0;
        long activeConnections = 0;
        foreach (WorkerMetricsReports reports in _workers.Values)
        {
            foreach ((RequestDurationKey key, HistogramReport series) in reports.RequestDurations)
                SeriesOf(requestDurations, key).Add(series);
            if (reports.ConnectionDuration is { } connections)
                connectionDuration.Add(connections);
            if (!reports.Reaped)
            {
                activeRequests += reports.ActiveRequests;
                activeConnections += reports.ActiveConnections;
            }
        }

        var sorted = requestDurations
            .Select(pair => KeyValuePair.Create(pair.Key, pair.Value.ToReport()))
            .OrderBy(pair => pair.Key.Overflow)
            .ThenBy(pair => pair.Key.Route, StringComparer.Ordinal)
            .ThenBy(pair => pair.Key.Method, StringComparer.Ordinal)
            .ThenBy(pair => pair.Key.StatusCode)
            .ToList();
        return _totals = new HttpServerTotals(sorted, connectionDuration.ToReport(), activeRequests, activeConnections);
    }

    private WorkerMetricsReports ReportsOf(WorkerHandle worker) =>
        _workers.TryGetValue(worker, out WorkerMetricsReports? reports) ? reports : _workers[worker] = new WorkerMetricsReports();

    private void FoldIfDone(WorkerHandle worker)
    {
        WorkerMetricsReports reports = _workers[worker];
        if (!reports.Reaped || !reports.ChannelEnded)
            return;
        foreach ((RequestDurationKey key, HistogramReport series) in reports.RequestDurations)
            SeriesOf(_retainedRequestDurations, key).Add(series);
        if (reports.ConnectionDuration is { } connections)
            _retainedConnectionDuration.Add(connections);
        _workers.Remove(worker);
    }

    /// <summary>The series for <paramref name="key"/>, or the overflow series once <see cref="MaxRequestSeries"/> are kept.</summary>
    private static HistogramTotal SeriesOf(Dictionary<RequestDurationKey, HistogramTotal> series, RequestDurationKey key)
    {
        if (series.TryGetValue(key, out HistogramTotal? existing))
            return existing;
        if (series.Count >= MaxRequestSeries && !key.Overflow)
            return SeriesOf(series, RequestDurationKey.Overflowed);
        return series[key] = new HistogramTotal(RequestBuckets);
    }

    private static void Validate(MetricsMessage message)
    {
        Check(message.ConnectionDuration, ConnectionBuckets, "kestrel.connection.duration");
        if (message.RequestDurationOverflow is { } overflow)
            Check(overflow, RequestBuckets, "the overflow series of http.server.request.duration");
        foreach (RequestDurationReport series in message.RequestDurations)
            Check(series.Duration, RequestBuckets, $"http.server.request.duration {series.Method} {series.Route} {series.StatusCode}");
    }

    private static void Check(HistogramReport histogram, int buckets, string what)
    {
        if (histogram.BucketCounts.Count != buckets)
            throw new ChannelProtocolException($"Metrics message: {what} has {histogram.BucketCounts.Count} buckets; this build's boundaries make {buckets}.");
        if (histogram.BucketCounts.Any(count => count < 0) || !double.IsFinite(histogram.Sum))
            throw new ChannelProtocolException($"Metrics message: {what} has a negative bucket count or a sum that is not a number.");
    }
}
