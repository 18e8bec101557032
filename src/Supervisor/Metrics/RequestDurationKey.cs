namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// The labels of one http.server.request.duration series, summed over workers. <see cref="Overflow"/> is the series
/// past the cardinality limit (labelled otel_metric_overflow="true" alone, as OpenTelemetry's SDK does).
/// </summary>
internal readonly record struct RequestDurationKey(string Method, string? Route, int StatusCode, bool Overflow = false)
{
    public static RequestDurationKey Overflowed { get; } = new("", null, 0, Overflow: true);
}
