using ForkHost.Channel;
using ForkHost.Supervisor.Metrics;
using ForkHost.Tests.Arbitration;

namespace ForkHost.Tests.Metrics;

/// <summary>The supervisor's sums of the workers' metrics, on the real arbiter with fake workers.</summary>
public sealed class ArbiterMetricsTests
{
    [Fact]
    public async Task Request_counts_survive_a_recycled_worker_and_its_replacement_adds_to_them()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2, MaxRequests = 100 });
        await harness.StartAsync();
        IReadOnlyList<FakeWorker> first = harness.Launcher.Live;
        first[0].ReportMetrics(MetricsReports.Requests(100));
        first[1].ReportMetrics(MetricsReports.Requests(40));
        await harness.SettleAsync();
        Assert.Equal(140, RequestsIn(harness));

        // Recycled by --max-requests: its last report stays in the totals after it has gone.
        first[0].Heartbeat(requestsServed: 100);
        await harness.SettleAsync();
        Assert.NotNull(first[0].ExitCode);
        FakeWorker replacement = Assert.Single(harness.Launcher.Live, w => w.Slot == 1);
        replacement.ReportMetrics(MetricsReports.Requests(7));
        // Cumulative: a later report of the same series replaces the earlier one, it does not add to it.
        first[1].ReportMetrics(MetricsReports.Requests(41));
        await harness.SettleAsync();

        FleetMetricsSnapshot snapshot = harness.Metrics.Current!;
        Assert.Equal(100 + 41 + 7, RequestsIn(harness));
        Assert.Equal(1, Count(snapshot.ExitsByReason, WorkerExitReason.RecycledRequests));
        Assert.Single(snapshot.Http.RequestDurations);
        Assert.Equal([1, 2], snapshot.Workers.Select(w => w.WorkerId));
    }

    [Fact]
    public async Task A_final_report_read_after_the_workers_exit_is_counted_once()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1 });
        await harness.StartAsync();
        FakeWorker worker = Assert.Single(harness.Launcher.Live);
        worker.ReportMetrics(MetricsReports.Requests(10, activeRequests: 2));
        await harness.SettleAsync();
        Assert.Equal(2, harness.Metrics.Current!.Http.ActiveRequests);

        worker.ExitBeforeFinalReportIsRead(MetricsReports.Requests(12));
        await harness.SettleAsync();

        Assert.Equal(12, RequestsIn(harness));
        // A reaped worker's gauges are gone with it; its counters are not.
        Assert.Equal(0, harness.Metrics.Current!.Http.ActiveRequests);
        Assert.Equal(1, Count(harness.Metrics.Current!.ExitsByReason, WorkerExitReason.Crash));
    }

    [Fact]
    public async Task Series_a_report_splits_over_several_messages_are_merged_by_their_labels()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1 });
        await harness.StartAsync();
        FakeWorker worker = Assert.Single(harness.Launcher.Live);
        worker.ReportMetrics(new MetricsMessage(0, 0, MetricsReports.Connections(3),
            [MetricsReports.Series("GET", "/items/{id}", 200, 5), MetricsReports.Series("GET", null, 404, 2)], null));
        worker.ReportMetrics(new MetricsMessage(0, 0, MetricsReports.Connections(3),
            [MetricsReports.Series("POST", "/items", 201, 4)], MetricsReports.Fast(1)));
        await harness.SettleAsync();

        HttpServerTotals totals = harness.Metrics.Current!.Http;
        Assert.Equal(
            ["GET  404 2", "POST /items 201 4", "GET /items/{id} 200 5", "overflow 1"],
            totals.RequestDurations.Select(pair => pair.Key.Overflow ? $"overflow {pair.Value.Count}" : $"{pair.Key.Method} {pair.Key.Route} {pair.Key.StatusCode} {pair.Value.Count}"));
        Assert.Equal(3, totals.ConnectionDuration.Count);
    }

    [Fact]
    public async Task A_report_with_other_bucket_boundaries_is_a_protocol_error_and_adds_nothing()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 1 });
        await harness.StartAsync();
        FakeWorker worker = Assert.Single(harness.Launcher.Live);
        worker.ReportMetrics(new MetricsMessage(0, 0, MetricsReports.Connections(0),
            [new RequestDurationReport("GET", "/", 200, new HistogramReport([1, 2, 3], 0.1))], null));
        await harness.SettleAsync();

        Assert.Contains(Interop.Signals.SIGKILL, worker.Signals);
        Assert.Equal(0, RequestsIn(harness));
    }

    [Fact]
    public async Task Exits_are_counted_by_reason_and_every_reason_is_there_from_the_start()
    {
        await using var harness = new ArbiterHarness(ArbiterHarness.DefaultSettings with { Workers = 2 });
        await harness.StartAsync();
        Assert.Equal(WorkerExitReason.All.Order(), harness.Metrics.Current!.ExitsByReason.Select(pair => pair.Key).Order());
        Assert.All(harness.Metrics.Current!.ExitsByReason, pair => Assert.Equal(0, pair.Value));

        harness.Launcher.Live[0].KilledFromOutside();
        await harness.SettleAsync();

        FleetMetricsSnapshot snapshot = harness.Metrics.Current!;
        Assert.Equal(1, Count(snapshot.ExitsByReason, WorkerExitReason.Crash));
        Assert.Equal(1, snapshot.ExitsByReason.Sum(pair => pair.Value));
        Assert.Equal(2, Count(snapshot.WorkersByState, "ready") + Count(snapshot.WorkersByState, "booting"));
    }

    private static long RequestsIn(ArbiterHarness harness) =>
        harness.Metrics.Current!.Http.RequestDurations.Sum(pair => pair.Value.Count);

    private static long Count(IReadOnlyList<KeyValuePair<string, long>> counts, string label) =>
        counts.Single(pair => pair.Key == label).Value;
}
