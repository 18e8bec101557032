namespace ForkHost.Worker.Metrics;

/// <summary>The framework instruments <see cref="HttpServerMetrics"/> listens to, passed as each one's listener state.</summary>
internal enum MeasuredInstrument
{
    /// <summary>Microsoft.AspNetCore.Hosting's http.server.request.duration (histogram, seconds).</summary>
    RequestDuration,
    /// <summary>Microsoft.AspNetCore.Hosting's http.server.active_requests (up-down counter).</summary>
    ActiveRequests,
    /// <summary>Microsoft.AspNetCore.Server.Kestrel's kestrel.active_connections (up-down counter).</summary>
    ActiveConnections,
    /// <summary>Microsoft.AspNetCore.Server.Kestrel's kestrel.connection.duration (histogram, seconds).</summary>
    ConnectionDuration,
}
