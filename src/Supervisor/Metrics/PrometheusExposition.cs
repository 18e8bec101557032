using System.Globalization;
using System.Text;
using ForkHost.Channel;
using ForkHost.Supervisor.Fleet;

namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the workers' HTTP metrics summed, the supervisor's own series, then what
/// <paramref name="health"/> writes (forkhost_live, forkhost_ready). Names follow OpenTelemetry's conventions as its
/// Prometheus exporter writes them (dots to underscores, the unit as a suffix, _total on counters), so the
/// OpenTelemetry Collector's Prometheus receiver reads them back as the instruments they came from.
/// </summary>
/// <remarks>
/// Written by hand with <see cref="PrometheusTextWriter"/>: prometheus-net's histograms observe values in this
/// process, and these were observed in the workers and arrive as bucket counts, which no library's histogram accepts.
/// </remarks>
internal sealed class PrometheusExposition(MetricsPublication metrics, IMetricsExposition health) : IMetricsExposition
{
    public string ContentType => PrometheusTextWriter.ContentType;

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        if (metrics.Current is { } snapshot)
            await output.WriteAsync(Encoding.UTF8.GetBytes(Render(snapshot)), cancellationToken);
        await health.WriteAsync(output, cancellationToken);
    }

    /// <summary>The families of one snapshot, the listen backlog read now.</summary>
    public static string Render(FleetMetricsSnapshot snapshot)
    {
        var text = new StringBuilder();
        var writer = new PrometheusTextWriter(text);
        WriteHttp(writer, snapshot.Http);
        WriteWorkers(writer, snapshot);
        WriteBacklog(writer, snapshot.ListeningSockets.Select(socket => socket.ReadBacklog()).OfType<ListenBacklog>().ToList());
        return text.ToString();
    }

    private static void WriteHttp(PrometheusTextWriter writer, HttpServerTotals http)
    {
        writer.Family("http_server_request_duration_seconds", "histogram",
            "Duration of HTTP server requests (OpenTelemetry http.server.request.duration), summed over every worker this supervisor has run.");
        foreach ((RequestDurationKey key, HistogramReport duration) in http.RequestDurations)
        {
            string labels = key.Overflow
                ? PrometheusTextWriter.Labels(("otel_metric_overflow", "true"))
                : PrometheusTextWriter.Labels(
                    ("http_request_method", key.Method),
                    ("http_route", key.Route),
                    ("http_response_status_code", key.StatusCode.ToString(CultureInfo.InvariantCulture)));
            writer.Histogram(labels, duration, HistogramBoundaries.RequestDurationSeconds);
        }

        writer.Family("http_server_active_requests", "gauge", "Requests the live workers are serving now (OpenTelemetry http.server.active_requests).");
        writer.Sample("", http.ActiveRequests);

        writer.Family("kestrel_active_connections", "gauge", "Connections the live workers' Kestrel holds open now (kestrel.active_connections).");
        writer.Sample("", http.ActiveConnections);

        writer.Family("kestrel_connection_duration_seconds", "histogram",
            "Duration of closed connections (kestrel.connection.duration), summed over every worker this supervisor has run.");
        writer.Histogram("", http.ConnectionDuration, HistogramBoundaries.ConnectionDurationSeconds);
    }

    private static void WriteWorkers(PrometheusTextWriter writer, FleetMetricsSnapshot snapshot)
    {
        writer.Family("forkhost_workers", "gauge", "Live worker processes by state.");
        foreach ((string state, long count) in snapshot.WorkersByState)
            writer.Sample(PrometheusTextWriter.Labels(("state", state)), count);

        writer.Family("forkhost_worker_exits_total", "counter", "Workers reaped, by how they ended.");
        foreach ((string reason, long count) in snapshot.ExitsByReason)
            writer.Sample(PrometheusTextWriter.Labels(("reason", reason)), count);

        writer.Family("forkhost_reloads_total", "counter", "Reloads (SIGHUP) by result: completed, refused (the load step or the configuration failed), abandoned (the new generation could not boot).");
        foreach ((string result, long count) in snapshot.ReloadsByResult)
            writer.Sample(PrometheusTextWriter.Labels(("result", result)), count);

        writer.Family("forkhost_upgrades_total", "counter", "Upgrades (SIGUSR2) by result: handed_over to the new supervisor, or failed.");
        foreach ((string result, long count) in snapshot.UpgradesByResult)
            writer.Sample(PrometheusTextWriter.Labels(("result", result)), count);

        WorkerGauge(writer, snapshot.Workers, "forkhost_worker_resident_bytes", "Resident set size of each live worker, from its last heartbeat.", w => w.ResidentBytes);
        WorkerGauge(writer, snapshot.Workers, "forkhost_worker_open_descriptors", "Descriptors each live worker has open, from its last heartbeat.", w => w.OpenDescriptors);
        WorkerGauge(writer, snapshot.Workers, "forkhost_worker_descriptor_limit", "Each live worker's soft RLIMIT_NOFILE (absent when unlimited).", w => w.DescriptorLimit);

        writer.Family("forkhost_worker_oldest_request_age_seconds", "gauge",
            "How long each live worker's oldest request in flight has run (0 with none), from its last heartbeat; --request-hard-timeout replaces a worker past it.");
        foreach (WorkerResources worker in snapshot.Workers)
        {
            if (worker.OldestRequestAgeMilliseconds is long age)
                writer.Sample(WorkerLabels(worker), age / 1000.0);
        }
    }

    private static void WorkerGauge(PrometheusTextWriter writer, IReadOnlyList<WorkerResources> workers, string name, string help, Func<WorkerResources, long?> value)
    {
        writer.Family(name, "gauge", help);
        foreach (WorkerResources worker in workers)
        {
            if (value(worker) is long measured)
                writer.Sample(WorkerLabels(worker), measured);
        }
    }

    /// <summary>worker_id is the slot, stable across restarts; pid tells apart the two processes of one slot during a recycle or reload.</summary>
    private static string WorkerLabels(WorkerResources worker) => PrometheusTextWriter.Labels(
        ("worker_id", worker.WorkerId.ToString(CultureInfo.InvariantCulture)),
        ("pid", worker.Pid.ToString(CultureInfo.InvariantCulture)));

    private static void WriteBacklog(PrometheusTextWriter writer, IReadOnlyList<ListenBacklog> backlogs)
    {
        writer.Family("forkhost_listen_backlog_depth", "gauge",
            "Connections waiting in a listening TCP socket's accept queue (TCP_INFO tcpi_unacked); one socket per worker_id with --balance reuseport. Unix sockets are not reported.");
        foreach (ListenBacklog backlog in backlogs)
            writer.Sample(BacklogLabels(backlog), backlog.Depth);

        writer.Family("forkhost_listen_backlog_limit", "gauge", "The accept queue's limit (TCP_INFO tcpi_sacked: --backlog, capped by net.core.somaxconn).");
        foreach (ListenBacklog backlog in backlogs)
            writer.Sample(BacklogLabels(backlog), backlog.Limit);
    }

    private static string BacklogLabels(ListenBacklog backlog) => PrometheusTextWriter.Labels(
        ("address", backlog.Address),
        ("worker_id", backlog.WorkerId?.ToString(CultureInfo.InvariantCulture)));
}
