namespace ForkHost.Worker.Metrics;

/// <summary>The attributes http.server.request.duration is kept by; ASP.NET Core's others (scheme, protocol) are dropped.</summary>
internal readonly record struct RequestSeriesKey(string Method, string? Route, int StatusCode);
