using ForkHost.Channel;

namespace ForkHost.Tests.Metrics;

/// <summary>Metrics messages as a worker would send them, for the in-process tests.</summary>
internal static class MetricsReports
{
    /// <summary>A report of <paramref name="requests"/> requests of 3 ms each to GET <paramref name="route"/>, answered 200.</summary>
    public static MetricsMessage Requests(long requests, string route = "/", long activeRequests = 0) =>
        new(activeRequests, ActiveConnections: 1, Connections(0), [Series("GET", route, 200, requests)], RequestDurationOverflow: null);

    public static RequestDurationReport Series(string method, string? route, int statusCode, long requests) =>
        new(method, route, statusCode, Fast(requests));

    /// <summary><paramref name="requests"/> observations of 3 ms: all in the first bucket (≤ 5 ms).</summary>
    public static HistogramReport Fast(long requests)
    {
        var buckets = new long[HistogramBoundaries.RequestDurationSeconds.Count + 1];
        buckets[0] = requests;
        return new HistogramReport(buckets, requests * 0.003);
    }

    public static HistogramReport Connections(long closed)
    {
        var buckets = new long[HistogramBoundaries.ConnectionDurationSeconds.Count + 1];
        buckets[^1] = closed;
        return new HistogramReport(buckets, closed * 400.0);
    }
}
