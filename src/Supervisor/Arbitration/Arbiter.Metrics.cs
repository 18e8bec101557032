using ForkHost.Channel;
using ForkHost.Supervisor.Metrics;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Metrics: the workers' HTTP metrics summed (<see cref="WorkerMetricsAggregator"/>), and the supervisor's own
/// counters (exits by reason, reloads, upgrades), published for <c>/metrics</c> as one immutable snapshot after every
/// turn of the loop (<see cref="MetricsPublication"/>).
/// </summary>
/// <remarks>
/// Why a snapshot rather than a lock: the state it is made of (the workers, their heartbeats, the slots' sockets) is
/// the loop's alone and changes in every partial of the arbiter; a lock would have to be taken around all of those
/// changes. Published once per turn, the snapshot is at most one tick (<see cref="TickInterval"/>) old, costs the loop
/// a few small allocations per turn (the summed request series are rebuilt only after a report), and a scrape never
/// waits for the loop nor holds it up.
/// </remarks>
internal sealed partial class Arbiter
{
    private const string ReloadCompleted = "completed";
    private const string ReloadRefused = "refused";
    private const string ReloadAbandoned = "abandoned";
    private const string UpgradeHandedOver = "handed_over";
    private const string UpgradeFailed = "failed";

    private readonly WorkerMetricsAggregator _workerMetrics = new();
    private readonly Dictionary<string, long> _exitsByReason = WorkerExitReason.All.ToDictionary(reason => reason, _ => 0L);
    private readonly Dictionary<string, long> _reloadsByResult = new() { [ReloadCompleted] = 0, [ReloadRefused] = 0, [ReloadAbandoned] = 0 };
    private readonly Dictionary<string, long> _upgradesByResult = new() { [UpgradeHandedOver] = 0, [UpgradeFailed] = 0 };
    /// <summary>Metrics may come from a worker already reaped: its final report can be read after its exit was handled.</summary>
    private void OnMetricsReport(WorkerHandle worker, MetricsMessage message)
    {
        try
        {
            _workerMetrics.Record(worker, message);
        }
        catch (ChannelProtocolException e) when (_workers.Contains(worker))
        {
            OnProtocolError(worker, e.Message);
        }
        catch (ChannelProtocolException e)
        {
            // Reaped already: nothing to kill, and a report that does not add up is not added.
            LogMetricsReportRejected(_logger, worker.Slot, worker.Pid, e.Message);
        }
    }

    private void CountExit(WorkerHandle worker, WorkerExit exit)
    {
        _exitsByReason[WorkerExitReason.Of(exit, worker.StopReason)]++;
        _workerMetrics.WorkerReaped(worker);
    }

    private void CountReload(string result) => _reloadsByResult[result]++;

    private void CountUpgrade(string result) => _upgradesByResult[result]++;

    private void PublishMetrics()
    {
        var byState = new Dictionary<string, long> { ["booting"] = 0, ["ready"] = 0, ["stopping"] = 0 };
        foreach (WorkerHandle worker in _workers)
            byState[worker.State.ToString().ToLowerInvariant()]++;
        var workers = _workers
            .OrderBy(w => w.Slot).ThenBy(w => w.Generation).ThenBy(w => w.Pid)
            .Select(w => new WorkerResources(w.Slot, w.Pid, w.LastHeartbeat?.ResidentBytes, w.LastHeartbeat?.OpenDescriptors, w.LastHeartbeat?.DescriptorLimit,
                w.OldestRequestAgeAt(Now)))
            .ToList();
        var sockets = _listeners.All()
            .Where(pair => pair.Listener.TcpEndPoint is not null)
            .Select(pair => new ListeningSocket(pair.Listener.Address, pair.Slot, pair.Listener.Socket))
            .ToList();
        _metricsPublication.Publish(new FleetMetricsSnapshot(
            _workerMetrics.Totals(), workers, [.. byState], [.. _exitsByReason], [.. _reloadsByResult], [.. _upgradesByResult], sockets));
    }

    [LoggerMessage(EventId = Logging.EventIds.MetricsReportRejected, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} (pid {WorkerPid}), already reaped, sent a metrics report that was not added: {Error}")]
    private static partial void LogMetricsReportRejected(ILogger logger, int workerId, int workerPid, string error);
}
