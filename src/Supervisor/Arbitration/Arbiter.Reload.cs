using ForkHost.Supervisor.Generations;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// Reload (SIGHUP): the next generation is loaded off the loop, then booted next to the current one, which drains only
/// once every new worker is ready, so the listening sockets never lack a worker that accepts. A SIGHUP that arrives
/// while a reload is under way is remembered, once, and runs when that reload ends, so the last edit made before the
/// last SIGHUP is always applied (gunicorn's semantics: no signal is lost, repeats coalesce).
/// </summary>
internal sealed partial class Arbiter
{
    /// <summary>Set while the loader runs; cancelled if the supervisor stops meanwhile.</summary>
    private CancellationTokenSource? _loadCancellation;
    private ReloadState? _reloading;
    private bool _reloadPending;

    /// <summary>The highest generation number loaded so far: numbers are never reused, not even after an abandoned reload.</summary>
    private int _newestGeneration;

    private bool ReloadUnderWay => _loadCancellation is not null || _reloading is not null;

    private void OnReloadRequested()
    {
        if (StopRequested)
            return;
        if (UpgradeUnderWay || ReloadUnderWay)
        {
            // The successor of an upgrade reads the configuration itself: a reload here would start a generation that
            // is drained as soon as it is ready. It runs only if the upgrade fails.
            if (!_reloadPending)
                LogReloadQueued(_logger, UpgradeUnderWay ? "an upgrade (SIGUSR2) is under way" : $"the reload to generation {_newestGeneration + (_reloading is null ? 1 : 0)} is under way");
            _reloadPending = true;
            return;
        }
        StartLoad();
    }

    private void StartLoad()
    {
        int number = Math.Max(_newestGeneration, _current.Number) + 1;
        _notifier.Reloading($"Reloading: loading the app for generation {number}");
        LogReloading(_logger, number);
        var cancellation = new CancellationTokenSource();
        _loadCancellation = cancellation;
        _ = Task.Run(async () =>
        {
            GenerationLoadResult result;
            try
            {
                result = await _loader.ReloadAsync(number, cancellation.Token);
            }
            catch (Exception e)
            {
                result = GenerationLoadResult.Refused($"loading generation {number} failed: {e.GetType().Name}: {e.Message}", ExitCodes.Failure);
            }
            _events.Writer.TryWrite(new ArbiterEvent.GenerationLoaded(result));
        });
    }

    private void OnGenerationLoaded(GenerationLoadResult result)
    {
        _loadCancellation?.Dispose();
        _loadCancellation = null;
        if (StopRequested)
            return;
        if (result.Loaded is not { } next)
        {
            LogReloadRefused(_logger, result.Refusal!);
            CountReload(ReloadRefused);
            _notifier.Ready(StatusText());
            RunPendingReload();
            return;
        }
        foreach (string change in result.RestartOnlyChanges)
            LogRestartNeeded(_logger, change);

        _reloading = new ReloadState(_current, Now);
        _current = next;
        _newestGeneration = next.Number;
        _wantedWorkers = next.Settings.Workers;
        _consecutiveBootFailures = 0;
        // ConvergeAsync now sees every slot empty for the new generation and fills it.
    }

    /// <summary>Every slot has a ready worker of the new generation: the previous one drains.</summary>
    private void CompleteReload(int ready)
    {
        ReloadState reload = _reloading!;
        var previous = _workers.Where(w => w.Generation != _current.Number && w.State != WorkerState.Stopping).ToList();
        foreach (WorkerHandle old in previous)
            StopWorker(old, WorkerStopReason.Replaced, graceful: true, reload.Previous.Settings.GracefulTimeout);
        _reloading = null;
        CountReload(ReloadCompleted);
        LogReloaded(_logger, _current.Number, ready, Now - reload.StartedAt, previous.Count);
        _notifier.Ready(StatusText());
        RunPendingReload();
    }

    /// <summary>The new generation cannot boot: keep the previous one serving, as if the reload had not happened.</summary>
    private void AbandonReload(string reason)
    {
        ReloadState reload = _reloading!;
        LogReloadAbandoned(_logger, _current.Number, reason);
        CountReload(ReloadAbandoned);
        foreach (WorkerHandle worker in _workers.Where(w => w.Generation == _current.Number && w.State != WorkerState.Stopping).ToList())
            StopWorker(worker, WorkerStopReason.ReloadAbandoned, graceful: false, QuickStopGrace);
        _current = reload.Previous;
        _wantedWorkers = reload.Previous.Settings.Workers;
        _consecutiveBootFailures = 0;
        _reloading = null;
        _notifier.Ready(StatusText());
        RunPendingReload();
    }

    /// <summary>For <c>forkhost status</c>: what the reload under way is doing, or null.</summary>
    private string? ReloadDescription()
    {
        string? stage = _loadCancellation is not null ? $"loading generation {Math.Max(_newestGeneration, _current.Number) + 1}"
            : _reloading is not null ? $"booting generation {_current.Number}"
            : null;
        return _reloadPending ? $"{stage ?? "waiting for the upgrade"}, 1 more queued" : stage;
    }

    /// <summary>A SIGHUP that came during a reload or an upgrade, run now that neither is under way.</summary>
    private void RunPendingReload()
    {
        if (!_reloadPending || StopRequested || UpgradeUnderWay || ReloadUnderWay)
            return;
        _reloadPending = false;
        StartLoad();
    }
}
