using ForkHost.Channel;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>Health: readiness, heartbeats, recycling, and the workers that miss a deadline.</summary>
internal sealed partial class Arbiter
{
    private bool _allReadyAnnounced;

    private void OnMessage(WorkerHandle worker, ReceivedMessage received)
    {
        if (received.Message is MetricsMessage metrics)
        {
            OnMetricsReport(worker, metrics);
            return;
        }
        if (!_workers.Contains(worker))
        {
            FileDescriptors.CloseAll(received.Descriptors);
            return;
        }
        switch (received.Message)
        {
            case ReadyMessage ready when worker.State == WorkerState.Booting:
                worker.MarkReady(Now, ready.PlacedServices);
                _consecutiveBootFailures = 0;
                LogReady(_logger, worker.Slot, worker.Pid, ready.BootMilliseconds);
                StopReplacedBy(worker);
                OnWorkerReady();
                break;
            case StateFindingsMessage findings when worker.State == WorkerState.Booting:
                OnStateFindings(worker, findings);
                break;
            case StateFindingsMessage:
                // From a worker told to stop while booting: its generation's audit is another worker's to report.
                break;
            case ReadyMessage when worker.State == WorkerState.Stopping:
                // Told to stop while booting; it will see its signal now.
                break;
            case HeartbeatMessage heartbeat when worker.State != WorkerState.Booting:
                worker.RecordHeartbeat(heartbeat, Now);
                _placement.OnHeartbeat(worker, Now);
                ReplaceIfRequestStuck(worker);
                RecycleIfDue(worker);
                break;
            case LeaseReleasedMessage released:
                _placement.OnReleased(worker, released, Now);
                break;
            case BootFailedMessage { WorkerBuild: { } build } refused:
                worker.RecordWrongBuild(refused.Reason, build);
                break;
            case BootFailedMessage failed:
                worker.RecordBootFailure(failed.Reason);
                break;
            default:
                FileDescriptors.CloseAll(received.Descriptors);
                OnProtocolError(worker, $"unexpected {received.Message.Type} message while {worker.State.ToString().ToLowerInvariant()}");
                break;
        }
    }

    private void OnChannelEnded(WorkerHandle worker, Exception reason)
    {
        _workerMetrics.ChannelEnded(worker);
        if (!_workers.Contains(worker))
            return;
        if (reason is ChannelProtocolException protocol)
            OnProtocolError(worker, protocol.Message);
        // End of stream means the worker is exiting; its exit event does the bookkeeping.
    }

    private void OnProtocolError(WorkerHandle worker, string error)
    {
        LogProtocolError(_logger, worker.Slot, worker.Pid, error);
        worker.Kill(WorkerStopReason.ProtocolError, $"killed by the supervisor: protocol error: {error}");
    }

    /// <summary>
    /// --max-requests, --max-worker-memory, or a worker that reports it cannot serve any more (its accept loop ended,
    /// or its own descriptors leave no room for a connection): it is stopped gracefully and its slot refilled at once.
    /// One worker recycles at a time, so the others keep serving.
    /// </summary>
    private void RecycleIfDue(WorkerHandle worker)
    {
        if (_shutdown is not null || worker.State != WorkerState.Ready)
            return;
        HeartbeatMessage heartbeat = worker.LastHeartbeat!;
        long memoryLimit = Settings.MaxWorkerMemoryBytes;
        (WorkerStopReason StopReason, string Reason)? recycling = heartbeat.Unhealthy is { } unhealthy
            ? (WorkerStopReason.Unhealthy, $"unhealthy: {unhealthy}")
            : heartbeat.RequestsServed >= worker.RequestLimit
                ? (WorkerStopReason.RecycledRequests, $"{heartbeat.RequestsServed} requests served (--max-requests limit {worker.RequestLimit})")
                : memoryLimit > 0 && heartbeat.ResidentBytes > memoryLimit
                    ? (WorkerStopReason.RecycledMemory, $"RSS {heartbeat.ResidentBytes / (1024 * 1024)} MiB above --max-worker-memory {Settings.MaxWorkerMemoryMiB} MiB")
                    : null;
        if (recycling is not { } due || _workers.Any(w => w.StopReason is WorkerStopReason.RecycledRequests or WorkerStopReason.RecycledMemory or WorkerStopReason.Unhealthy && w.State == WorkerState.Stopping))
            return;
        LogRecycling(_logger, worker.Slot, worker.Pid, due.Reason);
        StopWorker(worker, due.StopReason, graceful: true, Settings.GracefulTimeout);
    }

    /// <summary>Kills workers that never became ready, stopped heartbeating, or outlived their stop deadline.</summary>
    private void KillOverdue()
    {
        long now = Now;
        foreach (WorkerHandle worker in _workers)
        {
            // Each worker is judged by the settings of its own generation: during a reload the previous one's
            // workers keep the timeouts they were started with.
            switch (worker.Overdue(now, SettingsOf(worker)))
            {
                case WorkerDeadline.Boot:
                    LogBootTimedOut(_logger, worker.Slot, worker.Pid, SettingsOf(worker).BootTimeout.TotalSeconds);
                    worker.Kill(WorkerStopReason.BootTimedOut, $"not ready after --boot-timeout {SettingsOf(worker).BootTimeout.TotalSeconds} s");
                    break;
                case WorkerDeadline.Heartbeat:
                    LogHung(_logger, worker.Slot, worker.Pid, (now - worker.LastHeartbeatAt) / 1000.0, SettingsOf(worker).Timeout.TotalSeconds);
                    worker.Terminate(now);
                    break;
                case WorkerDeadline.Stop:
                    LogKilled(_logger, worker.Slot, worker.Pid);
                    worker.Kill(worker.StopReason);
                    break;
            }
        }
    }

    private Configuration.GenerationSettings SettingsOf(WorkerHandle worker) =>
        _reloading is { } reload && worker.Generation == reload.Previous.Number ? reload.Previous.Settings : Settings;

    /// <summary>When every slot has a ready worker of the current generation: the start is done, or a reload is.</summary>
    private void OnWorkerReady()
    {
        // Before the all-ready line is logged: whoever reads that line and probes /readyz must find it true.
        PublishHealth();
        // Also during --shutdown-delay: systemd heard STOPPING=1, and a successor must not take over a stopping service.
        if (StopRequested)
            return;
        int ready = _workers.Count(w => w.State == WorkerState.Ready && w.Generation == _current.Number && w.Slot <= _wantedWorkers);
        if (ready < _wantedWorkers)
            return;

        if (_reloading is not null)
        {
            CompleteReload(ready);
            return;
        }
        if (_allReadyAnnounced)
            return;
        _allReadyAnnounced = true;
        LogAllReady(_logger, ready, Now - _startedAt);
        _notifier.Ready(StatusText());
        TakeOverFromPredecessor();
    }

    /// <summary>Stops a worker, and with --balance dispatch first takes it out of the rotation: it must get no connection after its Stop message.</summary>
    private void StopWorker(WorkerHandle worker, WorkerStopReason reason, bool graceful, TimeSpan grace) =>
        worker.BeginStop(reason, graceful, grace, Now, beforeTelling: PublishDispatchTargets);
}
