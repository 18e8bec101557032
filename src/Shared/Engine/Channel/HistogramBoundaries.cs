namespace ForkHost.Channel;

/// <summary>
/// The bucket boundaries both sides of the channel use, so a <see cref="HistogramReport"/> carries counts only.
/// </summary>
internal static class HistogramBoundaries
{
    /// <summary>OpenTelemetry's recommended boundaries for http.server.request.duration, in seconds (also ASP.NET Core's).</summary>
    public static readonly IReadOnlyList<double> RequestDurationSeconds =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Kestrel's advised boundaries for kestrel.connection.duration, in seconds: keep-alive connections live for minutes.</summary>
    public static readonly IReadOnlyList<double> ConnectionDurationSeconds =
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
}
