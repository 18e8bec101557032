using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ForkHost.Channel;
using ForkHost.Logging;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Metrics;

/// <summary>
/// Listens to the meters ASP.NET Core and Kestrel already have (OpenTelemetry's HTTP semantic conventions) and keeps
/// what they measure cumulatively, for <see cref="MetricsReporter"/>. Nothing is instrumented twice: the framework
/// records only while a listener has enabled its instruments, and this is that listener.
/// </summary>
internal sealed partial class HttpServerMetrics : IDisposable
{
    /// <summary>
    /// Distinct request series kept; later ones are folded into one overflow series, as OpenTelemetry's SDK does
    /// (its default limit is 2000 too). Methods are bounded by ASP.NET Core and routes by the app's endpoints, so only
    /// an app with thousands of endpoints reaches it.
    /// </summary>
    public const int MaxRequestSeries = 2000;

    /// <summary>Route templates longer than this go to the overflow series, so that one series always fits in a channel message.</summary>
    public const int MaxRouteLength = 1024;

    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";

    private readonly ILogger _logger;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<RequestSeriesKey, HistogramAccumulator> _requestDurations = new();
    private long _activeRequests;
    private long _activeConnections;
    private int _overflowLogged;

    public HttpServerMetrics(ILogger logger)
    {
        _logger = logger;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (InstrumentOf(instrument) is { } measured)
                listener.EnableMeasurementEvents(instrument, measured);
        };
        _listener.SetMeasurementEventCallback<double>(OnMeasurement);
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long ActiveRequests => Interlocked.Read(ref _activeRequests);

    public long ActiveConnections => Interlocked.Read(ref _activeConnections);

    public HistogramAccumulator ConnectionDuration { get; } = new(HistogramBoundaries.ConnectionDurationSeconds);

    /// <summary>Requests of the series beyond <see cref="MaxRequestSeries"/>.</summary>
    public HistogramAccumulator RequestDurationOverflow { get; } = new(HistogramBoundaries.RequestDurationSeconds);

    /// <summary>A live view: series appear while it is read, and each is read under its own lock.</summary>
    public IEnumerable<KeyValuePair<RequestSeriesKey, HistogramAccumulator>> RequestDurations => _requestDurations;

    private static MeasuredInstrument? InstrumentOf(Instrument instrument) => (instrument.Meter.Name, instrument.Name) switch
    {
        (HostingMeter, "http.server.request.duration") => MeasuredInstrument.RequestDuration,
        (HostingMeter, "http.server.active_requests") => MeasuredInstrument.ActiveRequests,
        (KestrelMeter, "kestrel.active_connections") => MeasuredInstrument.ActiveConnections,
        (KestrelMeter, "kestrel.connection.duration") => MeasuredInstrument.ConnectionDuration,
        _ => null,
    };

    private void OnMeasurement(Instrument instrument, double measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch ((MeasuredInstrument)state!)
        {
            case MeasuredInstrument.RequestDuration:
                RequestSeries(tags).Record(measurement);
                break;
            case MeasuredInstrument.ConnectionDuration:
                ConnectionDuration.Record(measurement);
                break;
        }
    }

    private void OnMeasurement(Instrument instrument, long measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch ((MeasuredInstrument)state!)
        {
            case MeasuredInstrument.ActiveRequests:
                Interlocked.Add(ref _activeRequests, measurement);
                break;
            case MeasuredInstrument.ActiveConnections:
                Interlocked.Add(ref _activeConnections, measurement);
                break;
        }
    }

    private HistogramAccumulator RequestSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string method = "_OTHER";
        string? route = null;
        int statusCode = 0;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            switch (tag.Key)
            {
                case "http.request.method" when tag.Value is string value:
                    method = value;
                    break;
                case "http.route" when tag.Value is string value:
                    route = value;
                    break;
                case "http.response.status_code" when tag.Value is int value:
                    statusCode = value;
                    break;
            }
        }
        var key = new RequestSeriesKey(method, route, statusCode);
        if (_requestDurations.TryGetValue(key, out HistogramAccumulator? series))
            return series;
        // The count may pass the limit by the few threads racing here; the bound is what matters, not its exact value.
        if (_requestDurations.Count >= MaxRequestSeries || route?.Length > MaxRouteLength)
        {
            if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
                LogOverflow(_logger, MaxRequestSeries, MaxRouteLength, method, route?[..Math.Min(route.Length, 200)], statusCode);
            return RequestDurationOverflow;
        }
        return _requestDurations.GetOrAdd(key, _ => new HistogramAccumulator(HistogramBoundaries.RequestDurationSeconds));
    }

    public void Dispose() => _listener.Dispose();

    [LoggerMessage(EventId = EventIds.MetricsSeriesOverflow, Level = LogLevel.Warning,
        Message = "http.server.request.duration: more than {MaxSeries} method/route/status series, or a route template longer than {MaxRouteLength} characters ({Method} {Route} {StatusCode}); such requests are counted in one series labelled otel_metric_overflow=\"true\" (logged once)")]
    private static partial void LogOverflow(ILogger logger, int maxSeries, int maxRouteLength, string method, string? route, int statusCode);
}
