namespace ForkHost.Supervisor.Fleet;

/// <summary>Writes the supervisor's metrics in the Prometheus text exposition format, version 0.0.4.</summary>
internal interface IMetricsExposition
{
    /// <summary>Content-Type of what <see cref="WriteAsync"/> writes.</summary>
    string ContentType { get; }

    Task WriteAsync(Stream output, CancellationToken cancellationToken);
}
