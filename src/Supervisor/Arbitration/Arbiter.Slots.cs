using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>Slots: filling them with workers of the current generation, retiring those above the wanted count, reaping.</summary>
internal sealed partial class Arbiter
{
    private readonly Dictionary<int, SlotBackoff> _backoffs = [];
    private int _consecutiveBootFailures;

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
            // A worker being replaced (a stuck request) still serves, but its slot gets a new worker.
            if (_workers.Any(w => w.Slot == slot && w.Generation == _current.Number && w.State != WorkerState.Stopping && !w.BeingReplaced))
                continue;
            if (_backoffs.TryGetValue(slot, out SlotBackoff? backoff) && backoff.NotBefore > Now)
                continue;
            empty.Add(slot);
        }
        if (empty.Count > 0 && _shutdown is null)
        {
            SpawnPlan plan = await _current.Preparation.PrepareAsync(empty, _current.Number);
            if (plan.HaltExitCode is int haltCode)
                Halt(haltCode, plan.HaltReason!);
            foreach (int slot in empty)
            {
                if (_shutdown is not null)
                    break;
                await SpawnAsync(slot, plan);
            }
        }

        foreach (WorkerHandle surplus in _workers.Where(w => w.Slot > _wantedWorkers && w.State != WorkerState.Stopping).ToList())
        {
            LogRetiring(_logger, surplus.Slot, surplus.Pid);
            StopWorker(surplus, WorkerStopReason.Retired, graceful: true, Settings.GracefulTimeout);
        }
    }

    private async Task SpawnAsync(int slot, SpawnPlan plan)
    {
        long requestLimit = Settings.DrawRequestLimit(Random.Shared);
        var sink = new WorkerEventSink(_events.Writer);
        IWorkerProcess process;
        try
        {
            process = await _launcher.LaunchAsync(BootOf(slot, requestLimit, plan.InheritedHandles), sink);
        }
        catch (WorkerLaunchException e)
        {
            // A fork refused (EAGAIN under a pids limit, ENOMEM) is a fault from outside that may pass; a missing
            // executable is not. Both count as boot failures, so that only the latter ends in a halt.
            OnBootFailure(slot, pid: 0, e.Message, BackoffOf(slot));
            return;
        }

        var worker = new WorkerHandle(slot, _current.Number, requestLimit, Now, process);
        sink.Worker = worker;
        _workers.Add(worker);
        LogSpawned(_logger, slot, worker.Pid, _current.Number);
    }

    private WorkerBoot BootOf(int slot, long requestLimit, IReadOnlyList<InheritedHandle> inherited)
    {
        Generations.ServedApp app = _current.App;
        var configuration = new WorkerConfiguration(
            app.AssemblyPath,
            app.Type.FullName!,
            // The process's backlog, never a reloaded one: the supervisor's sockets keep theirs until a restart.
            _process.Backlog,
            (int)Settings.HeartbeatInterval.TotalMilliseconds,
            (int)Settings.GracefulTimeout.TotalMilliseconds,
            _process.LogFormat,
            app.Settings,
            app.LoadedProperties,
            requestLimit == long.MaxValue ? 0 : requestLimit,
            Settings.AccessLog,
            _process.WorkerIdentity?.UserId,
            _process.WorkerIdentity?.GroupId,
            ReportMetrics: _process.MetricsBind is not null,
            KeyRingDirectory: KeyRingDirectory,
            ForwardedAllowIps: Settings.ForwardedAllowIps,
            Limits: Settings.Limits,
            Certificate: Settings.Certificate?.Material,
            AuditState: Settings.ForkSafety != ForkSafetyMode.Off,
            RefuseLosingState: Settings.ForkSafety == ForkSafetyMode.Strict);
        IReadOnlyList<Listener> listeners = _listeners.ForSlot(slot);
        bool dispatched = _listeners.Mode == BalanceMode.Dispatch;
        var handles = listeners
            .Select(l => new HandleDescription(dispatched ? HandleKind.DispatchedListener : HandleKind.Listener, Address: l.Address, Listener: l.Settings))
            .Concat(inherited.Select(h => h.Description))
            .ToList();
        var descriptors = (dispatched ? [] : listeners.Select(l => l.Descriptor)).Concat(inherited.Select(h => h.Descriptor)).ToList();
        // The generation's --workers, or more after TTIN: the heap limits of all the workers must fit the cgroup together.
        IReadOnlyDictionary<string, string>? environment = HeapBudget?.EnvironmentFor(Settings.WorkerHeapLimit, Math.Max(Settings.Workers, _wantedWorkers));
        return new WorkerBoot(new HelloMessage(slot, _current.Number, Environment.ProcessId, configuration, Apps.ProgramBuild.Current.ToString()), new HandlesMessage(handles), descriptors, environment);
    }

    /// <summary>Reaps an exited worker and decides what its exit means for its slot (<see cref="WorkerExit"/>).</summary>
    private void OnWorkerExited(WorkerHandle worker)
    {
        if (!_workers.Remove(worker))
            return;
        // The dispatcher must let go of the channel before its descriptor is closed (and its number reused).
        PublishDispatchTargets();
        worker.Process.Release();
        _placement.OnExited(worker, Now);
        // A SIGKILLed worker, or one running as another --user, cannot remove its own diagnostics socket.
        DiagnosticsSocketCleanup.RemoveLeftovers(worker.Pid);
        WorkerExit exit = WorkerExit.Of(worker);
        CountExit(worker, exit);
        // SIGKILL from outside while the kernel's OOM kill counter rose: the OOM killer's victim. Still replaced with
        // backoff like any outside kill (never a boot failure): a limit reached under load must degrade, not halt.
        if (exit.Signal == Interop.Signals.SIGKILL && exit.Kind is WorkerExitKind.Crashed or WorkerExitKind.KilledBeforeReady
            && OomKills?.ExplainsSigkill() == true)
            LogOomKilled(_logger, worker.Slot, worker.Pid, Math.Max(Settings.Workers, _wantedWorkers), Settings.WorkerHeapLimit.ToString());
        SlotBackoff backoff = BackoffOf(worker.Slot);

        switch (exit.Kind)
        {
            case WorkerExitKind.Stopped:
                LogExited(_logger, worker.Slot, worker.Pid, exit.How, worker.StopReason.ToString().ToLowerInvariant());
                if (worker.Slot > _wantedWorkers && !_workers.Any(w => w.Slot == worker.Slot))
                    _listeners.Retire(worker.Slot);
                break;
            case WorkerExitKind.KilledBeforeReady:
                TimeSpan delay = backoff.RecordFailure(Now, null);
                LogKilledBeforeReady(_logger, worker.Slot, worker.Pid, exit.How, delay.TotalMilliseconds);
                break;
            case WorkerExitKind.BootFailed:
                OnBootFailure(worker.Slot, worker.Pid, exit.Reason!, backoff, worker.Generation);
                break;
            case WorkerExitKind.WrongBuild:
                OnWrongBuild(worker, exit.Reason!, backoff);
                break;
            case WorkerExitKind.Crashed:
                TimeSpan served = TimeSpan.FromMilliseconds(Now - worker.ReadyAt!.Value);
                TimeSpan crashDelay = backoff.RecordFailure(Now, served);
                if (exit.Reason is { } reason)
                    LogKilledFaulty(_logger, worker.Slot, worker.Pid, reason, crashDelay.TotalMilliseconds);
                else
                    LogCrashed(_logger, worker.Slot, worker.Pid, exit.How, crashDelay.TotalMilliseconds);
                _notifier.Status(StatusText());
                break;
        }
    }

    /// <summary>
    /// A boot failure through the app's own fault: counted, and after --max-boot-failures in a row either the reload is
    /// abandoned (the previous generation still serves) or the supervisor halts with exit 3.
    /// </summary>
    private void OnBootFailure(int slot, int pid, string reason, SlotBackoff backoff, int? generation = null)
    {
        _consecutiveBootFailures++;
        LogBootFailed(_logger, slot, pid, reason, _consecutiveBootFailures, Settings.MaxBootFailures);
        if (_consecutiveBootFailures >= Settings.MaxBootFailures && _reloading is not null && (generation ?? _current.Number) == _current.Number)
        {
            AbandonReload($"workers of the new generation failed to boot {_consecutiveBootFailures} times in a row; last failure: {reason}");
            return;
        }
        if (_consecutiveBootFailures >= Settings.MaxBootFailures && _shutdown is null)
        {
            Halt(ExitCodes.WorkerBootFailed,
                $"Workers failed to boot {_consecutiveBootFailures} times in a row (--max-boot-failures {Settings.MaxBootFailures}); last failure: {reason}. Fix the app's ConfigureServices/MapEndpoints (see the worker's log above), then start again.");
            return;
        }
        backoff.RecordFailure(Now, null);
    }

    /// <summary>
    /// A worker that runs another build than this supervisor's. At start nothing has served yet: exit 2, with nothing
    /// half-started. Later the workers already serving keep the supervisor's code running; the slot is retried with
    /// backoff (a deploy that is put back heals it), and a reload whose workers all refuse is abandoned.
    /// </summary>
    private void OnWrongBuild(WorkerHandle worker, string reason, SlotBackoff backoff)
    {
        string refusal = $"Worker {worker.Slot} (pid {worker.Pid}) refused to boot: {reason}";
        LogWrongBuild(_logger, refusal);
        if (!_allReadyAnnounced && !_workers.Any(w => w.ReadyAt is not null) && _shutdown is null)
        {
            Halt(ExitCodes.Usage, refusal);
            return;
        }
        if (_reloading is not null && worker.Generation == _current.Number)
        {
            AbandonReload(refusal);
            return;
        }
        backoff.RecordFailure(Now, null);
    }

    private SlotBackoff BackoffOf(int slot) =>
        _backoffs.TryGetValue(slot, out SlotBackoff? existing) ? existing : _backoffs[slot] = new SlotBackoff();
}
