using System.Diagnostics;
using ForkHost.Channel;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

internal sealed partial class Arbiter
{
    /// <summary>Fills every empty slot whose backoff has passed, and retires workers in slots above the wanted count.</summary>
    private async Task ConvergeAsync()
    {
        for (int slot = 1; slot <= _wantedWorkers && _shutdown is null; slot++)
        {
            if (_workers.Any(w => w.Slot == slot && w.State != WorkerState.Stopping))
                continue;
            if (_backoffs.TryGetValue(slot, out SlotBackoff? backoff) && backoff.NotBefore > Now)
                continue;
            await SpawnAsync(slot);
        }

        foreach (WorkerProcess surplus in _workers.Where(w => w.Slot > _wantedWorkers && w.State != WorkerState.Stopping).ToList())
        {
            LogRetiring(_logger, surplus.Slot, surplus.Pid);
            Stop(surplus, graceful: true, TimeSpan.FromSeconds(_options.GracefulTimeout));
        }
    }

    private async Task SpawnAsync(int slot)
    {
        SpawnPlan plan = await _preparation.PrepareAsync(slot, _generation);
        if (plan.HaltExitCode is int haltCode)
        {
            Halt(haltCode, plan.HaltReason!);
            return;
        }

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
    private long RequestLimit() => _options.MaxRequests <= 0
        ? long.MaxValue
        : _options.MaxRequests + Random.Shared.Next(0, _options.MaxRequestsJitter + 1);

    private void SendBootInstructions(WorkerProcess worker, IReadOnlyList<InheritedHandle> inherited)
    {
        var configuration = new WorkerConfiguration(
            _app.AssemblyPath,
            _app.Type.FullName!,
            _options.Backlog,
            (int)_options.HeartbeatInterval.TotalMilliseconds,
            (int)TimeSpan.FromSeconds(_options.GracefulTimeout).TotalMilliseconds,
            _options.LogFormat,
            _app.Settings,
            _app.LoadedProperties);
        var handles = _listeners
            .Select(l => new HandleDescription(HandleKind.Listener, Address: l.Address))
            .Concat(inherited.Select(h => h.Description))
            .ToList();
        var descriptors = _listeners.Select(l => l.Descriptor).Concat(inherited.Select(h => h.Descriptor)).ToList();
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
        if (_shutdown is not null || worker.State != WorkerState.Ready || worker.LastHeartbeat!.RequestsServed < worker.RequestLimit)
            return;
        if (_workers.Any(w => w.Recycling && w.State == WorkerState.Stopping))
            return;
        worker.Recycling = true;
        LogRecycling(_logger, worker.Slot, worker.Pid, worker.LastHeartbeat.RequestsServed, worker.RequestLimit);
        Stop(worker, graceful: true, TimeSpan.FromSeconds(_options.GracefulTimeout));
    }

    private void AnnounceAllReady()
    {
        if (_allReadyAnnounced || _shutdown is not null)
            return;
        int ready = _workers.Count(w => w.State == WorkerState.Ready);
        if (ready < _wantedWorkers)
            return;
        _allReadyAnnounced = true;
        LogAllReady(_logger, ready, Now - _startedAt);
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
        worker.ReleaseChannel();
        int exitCode = worker.Process.ExitCode;
        string how = DescribeExit(exitCode);
        bool expected = worker.State == WorkerState.Stopping && worker.BootFailureReason is null;

        if (expected)
        {
            LogExited(_logger, worker.Slot, worker.Pid, how);
            return;
        }

        var backoff = _backoffs.TryGetValue(worker.Slot, out SlotBackoff? existing) ? existing : _backoffs[worker.Slot] = new SlotBackoff();
        if (worker.ReadyAt is null)
        {
            _consecutiveBootFailures++;
            string reason = worker.BootFailureReason ?? $"it {how} before it was ready";
            LogBootFailed(_logger, worker.Slot, worker.Pid, reason, _consecutiveBootFailures, _options.MaxBootFailures);
            if (_consecutiveBootFailures >= _options.MaxBootFailures && _shutdown is null)
            {
                Halt(ExitCodes.WorkerBootFailed,
                    $"Workers failed to boot {_consecutiveBootFailures} times in a row (--max-boot-failures {_options.MaxBootFailures}); last failure: {reason}. Fix the app's ConfigureServices/MapEndpoints (see the worker's log above), then start again.");
                return;
            }
            backoff.RecordFailure(Now, null);
        }
        else
        {
            TimeSpan served = TimeSpan.FromMilliseconds(Now - worker.ReadyAt.Value);
            TimeSpan delay = backoff.RecordFailure(Now, served);
            LogCrashed(_logger, worker.Slot, worker.Pid, how, delay.TotalMilliseconds);
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
                case WorkerState.Booting when now - worker.SpawnedAt > _options.BootTimeout * 1000:
                    LogBootTimedOut(_logger, worker.Slot, worker.Pid, _options.BootTimeout);
                    worker.BootFailureReason = $"not ready after --boot-timeout {_options.BootTimeout} s";
                    worker.Signal(Interop.Libc.SIGKILL);
                    worker.State = WorkerState.Stopping;
                    break;
                case WorkerState.Ready when now - worker.LastHeartbeatAt > _options.Timeout * 1000:
                    LogHung(_logger, worker.Slot, worker.Pid, (now - worker.LastHeartbeatAt) / 1000.0, _options.Timeout);
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
