namespace ForkHost.Channel;

/// <summary>
/// Worker → supervisor: the worker's HTTP metrics, recorded from ASP.NET Core's and Kestrel's own meters. Sent at the
/// heartbeat interval when something changed, and once more after Kestrel has stopped, so the supervisor's totals
/// hold every request the worker served. Histograms are cumulative since the worker started; a message carries only
/// the request series that changed since the previous one, so several messages make one report when the series do
/// not fit in <see cref="ChannelProtocol.MaxMessageLength"/>: each supersedes the previous values of what it carries.
/// </summary>
/// <param name="ActiveRequests">http.server.active_requests now.</param>
/// <param name="ActiveConnections">kestrel.active_connections now.</param>
/// <param name="ConnectionDuration">kestrel.connection.duration of the connections closed so far.</param>
/// <param name="RequestDurations">http.server.request.duration, per method, route and status, of the series that changed.</param>
/// <param name="RequestDurationOverflow">
/// Requests of series beyond the worker's cardinality limit, as OpenTelemetry's SDK folds them (otel.metric.overflow);
/// null while the limit has not been reached.
/// </param>
internal sealed record MetricsMessage(
    long ActiveRequests,
    long ActiveConnections,
    HistogramReport ConnectionDuration,
    IReadOnlyList<RequestDurationReport> RequestDurations,
    HistogramReport? RequestDurationOverflow) : ChannelMessage
{
    public override ChannelMessageType Type => ChannelMessageType.Metrics;
}
