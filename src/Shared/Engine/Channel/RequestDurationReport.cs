namespace ForkHost.Channel;

/// <summary>
/// <c>http.server.request.duration</c> for one combination of its attributes, as ASP.NET Core records them.
/// </summary>
/// <param name="Method">http.request.method: a known method, or "_OTHER" (ASP.NET Core bounds it).</param>
/// <param name="Route">http.route: the endpoint's route template, or null when no endpoint matched.</param>
/// <param name="StatusCode">http.response.status_code.</param>
internal sealed record RequestDurationReport(string Method, string? Route, int StatusCode, HistogramReport Duration);
