using ForkHost.Channel;

namespace ForkHost.Supervisor.Metrics;

/// <summary>The latest cumulative values one worker reported, merged from its <see cref="MetricsMessage"/>s.</summary>
internal sealed class WorkerMetricsReports
{
    public Dictionary<RequestDurationKey, HistogramReport> RequestDurations { get; } = [];

    public HistogramReport? ConnectionDuration { get; private set; }

    public long ActiveRequests { get; private set; }

    public long ActiveConnections { get; private set; }

    /// <summary>The supervisor reaped the process: its gauges no longer count, its counters still do.</summary>
    public bool Reaped { get; set; }

    /// <summary>Its channel ended: no report can follow.</summary>
    public bool ChannelEnded { get; set; }

    public void Merge(MetricsMessage message)
    {
        ActiveRequests = message.ActiveRequests;
        ActiveConnections = message.ActiveConnections;
        ConnectionDuration = message.ConnectionDuration;
        foreach (RequestDurationReport series in message.RequestDurations)
            RequestDurations[new RequestDurationKey(series.Method, series.Route, series.StatusCode)] = series.Duration;
        if (message.RequestDurationOverflow is { } overflow)
            RequestDurations[RequestDurationKey.Overflowed] = overflow;
    }
}
