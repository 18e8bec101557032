using System.Net;
using System.Net.Sockets;
using System.Text;
using ForkHost.Channel;
using ForkHost.Supervisor.Metrics;

namespace ForkHost.Tests.Metrics;

public sealed class PrometheusExpositionTests
{
    [Fact]
    public void A_histogram_has_cumulative_buckets_ending_in_inf_then_sum_and_count()
    {
        var text = new StringBuilder();
        var writer = new PrometheusTextWriter(text);
        writer.Family("d_seconds", "histogram", "help");
        writer.Histogram(PrometheusTextWriter.Labels(("a", "x")), new HistogramReport([1, 0, 2, 4], 3.5), [0.1, 0.5, 1]);

        Assert.Equal("""
            # HELP d_seconds help
            # TYPE d_seconds histogram
            d_seconds_bucket{a="x",le="0.1"} 1
            d_seconds_bucket{a="x",le="0.5"} 1
            d_seconds_bucket{a="x",le="1"} 3
            d_seconds_bucket{a="x",le="+Inf"} 7
            d_seconds_sum{a="x"} 3.5
            d_seconds_count{a="x"} 7

            """.ReplaceLineEndings("\n"), text.ToString());
    }

    [Fact]
    public void Label_values_and_help_are_escaped_and_a_null_label_is_left_out()
    {
        var text = new StringBuilder();
        var writer = new PrometheusTextWriter(text);
        writer.Family("g", "gauge", "back\\slash\nnewline");
        writer.Sample(PrometheusTextWriter.Labels(("route", "/a\"b\\c\nd"), ("missing", null)), 2L);

        Assert.Equal("# HELP g back\\\\slash\\nnewline\n# TYPE g gauge\ng{route=\"/a\\\"b\\\\c\\nd\"} 2\n", text.ToString());
    }

    [Fact]
    public void A_family_is_written_once_and_a_sample_needs_its_family()
    {
        var writer = new PrometheusTextWriter(new StringBuilder());
        Assert.Throws<InvalidOperationException>(() => writer.Sample("", 1L));
        writer.Family("c_total", "counter", "help");
        Assert.Throws<InvalidOperationException>(() => writer.Family("c_total", "counter", "help"));
        Assert.Throws<InvalidOperationException>(() => writer.Histogram("", new HistogramReport([0], 0), []));
    }

    [Fact]
    public void The_exposition_sums_workers_and_reads_the_backlog_of_a_real_listening_socket()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(17);
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        using var queued = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        queued.Connect(IPAddress.Loopback, port);

        var http = new HttpServerTotals(
            [KeyValuePair.Create(new RequestDurationKey("GET", "/items/{id}", 200), MetricsReports.Fast(5)),
             KeyValuePair.Create(new RequestDurationKey("GET", null, 404), MetricsReports.Fast(2)),
             KeyValuePair.Create(RequestDurationKey.Overflowed, MetricsReports.Fast(1))],
            MetricsReports.Connections(3), ActiveRequests: 4, ActiveConnections: 6);
        var snapshot = new FleetMetricsSnapshot(http,
            [new WorkerResources(1, 4321, 50_000_000, 200, 1024, OldestRequestAgeMilliseconds: 12_500), new WorkerResources(2, 4322, null, null, null)],
            [KeyValuePair.Create("booting", 0L), KeyValuePair.Create("ready", 2L), KeyValuePair.Create("stopping", 0L)],
            [.. WorkerExitReason.All.Select(reason => KeyValuePair.Create(reason, reason == WorkerExitReason.RecycledRequests ? 2L : 0L))],
            [KeyValuePair.Create("completed", 1L)], [KeyValuePair.Create("handed_over", 0L)],
            [new ListeningSocket($"http://127.0.0.1:{port}", null, socket)]);

        string text = PrometheusExposition.Render(snapshot);

        Assert.Contains("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_route=\"/items/{id}\",http_response_status_code=\"200\"} 5\n", text);
        Assert.Contains("http_server_request_duration_seconds_count{http_request_method=\"GET\",http_response_status_code=\"404\"} 2\n", text);
        Assert.Contains("http_server_request_duration_seconds_bucket{otel_metric_overflow=\"true\",le=\"+Inf\"} 1\n", text);
        Assert.Contains("http_server_active_requests 4\n", text);
        Assert.Contains("kestrel_connection_duration_seconds_count 3\n", text);
        Assert.Contains("forkhost_worker_exits_total{reason=\"recycled_requests\"} 2\n", text);
        Assert.Contains("forkhost_worker_exits_total{reason=\"boot_failure\"} 0\n", text);
        Assert.Contains("forkhost_worker_resident_bytes{worker_id=\"1\",pid=\"4321\"} 50000000\n", text);
        Assert.Contains("forkhost_worker_oldest_request_age_seconds{worker_id=\"1\",pid=\"4321\"} 12.5\n", text);
        Assert.Contains("forkhost_worker_exits_total{reason=\"request_stuck\"} 0\n", text);
        Assert.DoesNotContain("pid=\"4322\"", text);
        // The handshake is done by the kernel; nobody accepted, so the connection waits in the queue.
        Assert.Contains($"forkhost_listen_backlog_depth{{address=\"http://127.0.0.1:{port}\"}} 1\n", text);
        Assert.Contains($"forkhost_listen_backlog_limit{{address=\"http://127.0.0.1:{port}\"}} 17\n", text);
        // Every family once: one HELP and one TYPE line per name.
        var types = text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).ToList();
        Assert.Equal(types.Count, types.Distinct().Count());
        Assert.Equal(types.Count, text.Split('\n').Count(line => line.StartsWith("# HELP ", StringComparison.Ordinal)));
    }
}
