using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    /// <summary>
    /// Fills every empty slot whose backoff has passed, and retires workers in slots above the wanted count. The slots
    /// to fill are prepared together (one audit, one pool disposal) and then spawned back to back, so that a start or a
    /// reload does not pay the preparation once per worker while the first workers already compete for the cores.
    /// </summary>
    private async Task ConvergeAsync()
    {
        var empty = new List<int>();
        for (int slot = 1; slot <= _wantedWorkers; slot++)
        {
            if (_workers.Any(w => w.Slot == slot && w.Generation == _generation && w.State != WorkerState.Stopping))
                continue;
            if (_backoffs.TryGetValue(slot, out SlotBackoff? backoff) && backoff.NotBefore > Now)
                continue;
            empty.Add(slot);
        }
        if (empty.Count > 0 && _shutdown is null)
        {
            SpawnPlan plan = await Preparation.PrepareAsync(empty, _generation);
            if (plan.HaltExitCode is int haltCode)
                Halt(haltCode, plan.HaltReason!);
            foreach (int slot in empty)
            {
                if (_shutdown is not null)
                    break;
                await SpawnAsync(slot, plan);
            }
        }

        foreach (WorkerProcess surplus in _workers.Where(w => w.Slot > _wantedWorkers && w.State != WorkerState.Stopping).ToList())
        {
            LogRetiring(_logger, surplus.Slot, surplus.Pid);
            Stop(surplus, graceful: true, TimeSpan.FromSeconds(Options.GracefulTimeout));
        }
    }

    private async Task SpawnAsync(int slot, SpawnPlan plan)
    {
        (ControlChannel supervisorEnd, ControlChannel workerEnd) = ControlChannel.CreatePair();
        Process process;
        try
        {
            process = await _spawner.SpawnAsync(workerEnd.Descriptor);
        }
        catch (Exception e)
        {
            supervisorEnd.Dispose();
            Halt(ExitCodes.Failure, $"Cannot start {WorkerExecutable.Name}: {e.Message}");
            return;
        }
        finally
        {
            // Our copy of the worker's end must go, or the worker's exit would never show as end of stream.
            workerEnd.Dispose();
        }

        var worker = new WorkerProcess(slot, _generation, process, supervisorEnd, Now, RequestLimit());
        _workers.Add(worker);
        LogSpawned(_logger, slot, worker.Pid, _generation);

        worker.StartReading(
            (w, received) => _events.Writer.TryWrite(new ArbiterEvent.MessageReceived(w, received)),
            (w, reason) => _events.Writer.TryWrite(new ArbiterEvent.ChannelEnded(w, reason)));
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _events.Writer.TryWrite(new ArbiterEvent.WorkerExited(worker));

        SendBootInstructions(worker, plan.InheritedHandles);
    }

    /// <summary>--max-requests plus up to --max-requests-jitter, drawn per worker so that workers do not recycle together.</summary>
    private long RequestLimit() => Options.MaxRequests <= 0
        ? long.MaxValue
        : Options.MaxRequests + Random.Shared.Next(0, Options.MaxRequestsJitter + 1);

    private void SendBootInstructions(WorkerProcess worker, IReadOnlyList<InheritedHandle> inherited)
    {
        var configuration = new WorkerConfiguration(
            App.AssemblyPath,
            App.Type.FullName!,
            Options.Backlog,
            (int)Options.HeartbeatInterval.TotalMilliseconds,
            (int)TimeSpan.FromSeconds(Options.GracefulTimeout).TotalMilliseconds,
            Options.LogFormat,
            App.Settings,
            App.LoadedProperties,
            worker.RequestLimit == long.MaxValue ? 0 : worker.RequestLimit,
            Options.AccessLog,
            App.WorkerIdentity?.UserId,
            App.WorkerIdentity?.GroupId);
        IReadOnlyList<Listener> listeners = _listeners.ForSlot(worker.Slot);
        bool dispatched = _listeners.Mode == BalanceMode.Dispatch;
        var handles = listeners
            .Select(l => new HandleDescription(dispatched ? HandleKind.DispatchedListener : HandleKind.Listener, Address: l.Address))
            .Concat(inherited.Select(h => h.Description))
            .ToList();
        var descriptors = (dispatched ? [] : listeners.Select(l => l.Descriptor)).Concat(inherited.Select(h => h.Descriptor)).ToList();
        try
        {
            worker.Channel.Send(new HelloMessage(worker.Slot, worker.Generation, Environment.ProcessId, configuration));
            worker.Channel.Send(new HandlesMessage(handles), descriptors);
        }
        catch (ChannelClosedException)
        {
            // The worker died at once; its exit event reports it.
        }
    }

    private void OnMessage(WorkerProcess worker, ReceivedMessage received)
    {
        if (!_workers.Contains(worker))
            return;
        switch (received.Message)
        {
            case ReadyMessage ready when worker.State == WorkerState.Booting:
                worker.State = WorkerState.Ready;
                worker.ReadyAt = Now;
                worker.LastHeartbeatAt = Now;
                _consecutiveBootFailures = 0;
                LogReady(_logger, worker.Slot, worker.Pid, ready.BootMilliseconds);
                AnnounceAllReady();
                break;
            case ReadyMessage when worker.State == WorkerState.Stopping:
                // Told to stop while booting; it will see its signal now.
                break;
            case HeartbeatMessage heartbeat when worker.State != WorkerState.Booting:
                worker.LastHeartbeatAt = Now;
                worker.LastHeartbeat = heartbeat;
                RecycleIfDue(worker);
                break;
            case BootFailedMessage failed:
                worker.BootFailureReason = failed.Reason;
                break;
            default:
                FileDescriptors.CloseAll(received.Descriptors);
                OnProtocolError(worker, $"unexpected {received.Message.Type} message while {worker.State.ToString().ToLowerInvariant()}");
                break;
        }
    }

    /// <summary>
    /// --max-requests: a worker past its limit is stopped gracefully and its slot refilled at once. One worker recycles
    /// at a time, so the others keep serving.
    /// </summary>
    private void RecycleIfDue(WorkerProcess worker)
    {
        if (_shutdown is not null || worker.State != WorkerState.Ready)
            return;
        HeartbeatMessage heartbeat = worker.LastHeartbeat!;
        long memoryLimit = (long)Options.MaxWorkerMemory * 1024 * 1024;
        string? reason = heartbeat.RequestsServed >= worker.RequestLimit
            ? $"{heartbeat.RequestsServed} requests served (--max-requests limit {worker.RequestLimit})"
            : memoryLimit > 0 && heartbeat.ResidentBytes > memoryLimit
                ? $"RSS {heartbeat.ResidentBytes / (1024 * 1024)} MiB above --max-worker-memory {Options.MaxWorkerMemory} MiB"
                : null;
        if (reason is null || _workers.Any(w => w.Recycling && w.State == WorkerState.Stopping))
            return;
        worker.Recycling = true;
        LogRecycling(_logger, worker.Slot, worker.Pid, reason);
        Stop(worker, graceful: true, TimeSpan.FromSeconds(Options.GracefulTimeout));
    }

    /// <summary>When every slot has a ready worker of the current generation: the start is done, or a reload is.</summary>
    private void AnnounceAllReady()
    {
        if (_shutdown is not null)
            return;
        int ready = _workers.Count(w => w.State == WorkerState.Ready && w.Generation == _generation && w.Slot <= _wantedWorkers);
        if (ready < _wantedWorkers)
            return;

        if (_reloading is { } reload)
        {
            var previous = _workers.Where(w => w.Generation != _generation && w.State != WorkerState.Stopping).ToList();
            foreach (WorkerProcess old in previous)
                Stop(old, graceful: true, TimeSpan.FromSeconds(Options.GracefulTimeout));
            _reloading = null;
            LogReloaded(_logger, _generation, ready, Now - reload.StartedAt, previous.Count);
            _notifier.Ready(StatusText());
            return;
        }
        if (_allReadyAnnounced)
            return;
        _allReadyAnnounced = true;
        LogAllReady(_logger, ready, Now - _startedAt);
        _notifier.Ready(StatusText());
        if (_predecessor is int predecessor)
        {
            LogTakingOver(_logger, predecessor);
            _ = Interop.Libc.Kill(predecessor, Interop.Libc.SIGTERM);
        }
    }

    private void OnChannelEnded(WorkerProcess worker, Exception reason)
    {
        if (!_workers.Contains(worker))
            return;
        if (reason is ChannelProtocolException protocol)
            OnProtocolError(worker, protocol.Message);
        // End of stream means the worker is exiting; its exit event does the bookkeeping.
    }

    private void OnProtocolError(WorkerProcess worker, string error)
    {
        LogProtocolError(_logger, worker.Slot, worker.Pid, error);
        worker.BootFailureReason ??= $"protocol error: {error}";
        worker.Signal(Interop.Libc.SIGKILL);
        worker.State = WorkerState.Stopping;
    }

    /// <summary>Reaps an exited worker and decides what its exit means: expected, a crash, or a boot failure.</summary>
    private void OnWorkerExited(WorkerProcess worker)
    {
        if (!_workers.Remove(worker))
            return;
        // The dispatcher must let go of the channel before its descriptor is closed (and its number reused).
        PublishDispatchTargets();
        worker.ReleaseChannel();
        DiagnosticsSocketCleanup.RemoveLeftovers(worker.Pid);
        int exitCode = worker.Process.ExitCode;
        string how = DescribeExit(exitCode);
        bool expected = worker.State == WorkerState.Stopping && worker.BootFailureReason is null;

        if (expected)
        {
            LogExited(_logger, worker.Slot, worker.Pid, how);
            if (worker.Slot > _wantedWorkers && !_workers.Any(w => w.Slot == worker.Slot))
                _listeners.Retire(worker.Slot);
            return;
        }

        var backoff = _backoffs.TryGetValue(worker.Slot, out SlotBackoff? existing) ? existing : _backoffs[worker.Slot] = new SlotBackoff();
        if (worker.ReadyAt is null)
        {
            _consecutiveBootFailures++;
            string reason = worker.BootFailureReason ?? $"it {how} before it was ready";
            LogBootFailed(_logger, worker.Slot, worker.Pid, reason, _consecutiveBootFailures, Options.MaxBootFailures);
            if (_consecutiveBootFailures >= Options.MaxBootFailures && _reloading is not null && worker.Generation == _reloading.Generation)
            {
                AbandonReload($"workers of the new generation failed to boot {_consecutiveBootFailures} times in a row; last failure: {reason}");
                return;
            }
            if (_consecutiveBootFailures >= Options.MaxBootFailures && _shutdown is null)
            {
                Halt(ExitCodes.WorkerBootFailed,
                    $"Workers failed to boot {_consecutiveBootFailures} times in a row (--max-boot-failures {Options.MaxBootFailures}); last failure: {reason}. Fix the app's ConfigureServices/MapEndpoints (see the worker's log above), then start again.");
                return;
            }
            backoff.RecordFailure(Now, null);
        }
        else
        {
            TimeSpan served = TimeSpan.FromMilliseconds(Now - worker.ReadyAt.Value);
            TimeSpan delay = backoff.RecordFailure(Now, served);
            LogCrashed(_logger, worker.Slot, worker.Pid, how, delay.TotalMilliseconds);
            _notifier.Status(StatusText());
        }
    }

    /// <summary>Kills workers that stopped heartbeating, never became ready, or outlived their stop deadline.</summary>
    private void KillUnresponsive()
    {
        long now = Now;
        foreach (WorkerProcess worker in _workers)
        {
            switch (worker.State)
            {
                case WorkerState.Booting when now - worker.SpawnedAt > Options.BootTimeout * 1000:
                    LogBootTimedOut(_logger, worker.Slot, worker.Pid, Options.BootTimeout);
                    worker.BootFailureReason = $"not ready after --boot-timeout {Options.BootTimeout} s";
                    worker.Signal(Interop.Libc.SIGKILL);
                    worker.State = WorkerState.Stopping;
                    break;
                case WorkerState.Ready when now - worker.LastHeartbeatAt > Options.Timeout * 1000:
                    LogHung(_logger, worker.Slot, worker.Pid, (now - worker.LastHeartbeatAt) / 1000.0, Options.Timeout);
                    worker.Signal(Interop.Libc.SIGTERM);
                    worker.State = WorkerState.Stopping;
                    worker.KillAt = now + (long)HungKillGrace.TotalMilliseconds;
                    break;
                case WorkerState.Stopping when now >= worker.KillAt || (_shutdown is not null && now >= _shutdownDeadline):
                    if (worker.KillAt != long.MinValue)
                    {
                        LogKilled(_logger, worker.Slot, worker.Pid);
                        worker.Signal(Interop.Libc.SIGKILL);
                        worker.KillAt = long.MinValue;
                    }
                    break;
            }
        }
    }

    private static string DescribeExit(int exitCode) => exitCode switch
    {
        0 => "exited normally",
        > 128 and < 160 => $"was killed by signal {exitCode - 128}{(exitCode - 128) switch { 9 => " (SIGKILL)", 15 => " (SIGTERM)", 6 => " (SIGABRT)", 11 => " (SIGSEGV)", 2 => " (SIGINT)", _ => "" }}",
        _ => $"exited with code {exitCode}",
    };
}
