using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Placement;

/// <summary>
/// The supervisor's half of exactly-once placement: which worker may run the app's placed hosted services. Owned by
/// the arbiter loop, which calls it as workers become ready, heartbeat, release and exit, and once per turn to
/// <see cref="Converge"/>. There is at most one holder, and a new one is chosen only once the old one is gone:
/// released (after its services stopped), exited (its kernel lock died with it), or silent for <see cref="Ttl"/>, by
/// which time it has stopped them by itself. The worker's fence (a flock) covers what this cannot see: another
/// supervisor's holder during an upgrade, or a holder that is silent but not yet stopped.
/// </summary>
internal sealed partial class PlacementLease(ILogger logger)
{
    /// <summary>
    /// How long a lease lasts without renewal. The holder's every heartbeat renews it (at most one second apart,
    /// <see cref="Configuration.GenerationSettings.HeartbeatInterval"/>), so three beats may go missing first; short
    /// enough that a hung holder's services move within seconds once the loop stops hearing from it.
    /// </summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    private long _lastContactAt;
    private long _grantedAt;

    /// <summary>The worker holding the lease, or being asked to give it back; null when nobody does.</summary>
    public WorkerHandle? Holder { get; private set; }

    /// <summary>The current (or last) lease's number; grants are numbered from 1.</summary>
    public long LeaseId { get; private set; }

    /// <summary>A revoke was sent to <see cref="Holder"/>, whose release (or exit, or silence) is awaited.</summary>
    public bool Revoking { get; private set; }

    /// <summary>For <c>forkhost status</c>: the holder, or null.</summary>
    public Control.PlacementLeaseStatus? Status(long now) => Holder is not { } holder ? null
        : new Control.PlacementLeaseStatus(LeaseId, holder.Slot, holder.Pid, holder.Generation, now - _grantedAt, Revoking);

    /// <summary>A heartbeat: the holder is alive, and its lease is renewed (not while it is being revoked).</summary>
    public void OnHeartbeat(WorkerHandle worker, long now)
    {
        if (worker != Holder)
            return;
        _lastContactAt = now;
        if (!Revoking)
            worker.Process.TrySend(new LeaseGrantedMessage(LeaseId, (int)Ttl.TotalMilliseconds));
    }

    public void OnReleased(WorkerHandle worker, LeaseReleasedMessage released, long now)
    {
        if (worker != Holder || released.LeaseId != LeaseId)
            return;
        if (released.Reason == "failed")
            worker.PlacementFailed = true;
        LogReleased(logger, LeaseId, worker.Slot, worker.Pid, released.Reason, (now - _grantedAt) / 1000.0);
        Clear();
    }

    /// <summary>Reaped: whatever it held is gone with it, the kernel lock included.</summary>
    public void OnExited(WorkerHandle worker, long now)
    {
        if (worker != Holder)
            return;
        LogReleased(logger, LeaseId, worker.Slot, worker.Pid, "exited", (now - _grantedAt) / 1000.0);
        Clear();
    }

    /// <summary>
    /// Once per loop turn: revokes a lease whose holder should give it up, expires one whose holder went silent, and
    /// grants a free lease to the first ready worker of the current generation.
    /// </summary>
    /// <param name="stopping">The supervisor stops (or hands over to an upgrade's successor): revoke, grant nothing.</param>
    public void Converge(IReadOnlyList<WorkerHandle> workers, int currentGeneration, bool stopping, long now)
    {
        if (Holder is { } holder)
        {
            if (now - _lastContactAt > Ttl.TotalMilliseconds)
            {
                LogExpired(logger, LeaseId, holder.Slot, holder.Pid, (now - _lastContactAt) / 1000.0);
                Clear();
            }
            else if (!Revoking && RevokeReason(holder, workers, currentGeneration, stopping) is { } reason)
            {
                Revoking = true;
                LogRevoked(logger, LeaseId, holder.Slot, holder.Pid, reason);
                holder.Process.TrySend(new LeaseRevokedMessage(LeaseId));
            }
        }
        if (Holder is not null || stopping)
            return;
        WorkerHandle? candidate = workers
            .Where(w => IsCandidate(w, currentGeneration) && IsInContact(w, now))
            .OrderBy(w => w.Slot)
            .FirstOrDefault();
        if (candidate is null)
            return;
        LeaseId++;
        Holder = candidate;
        Revoking = false;
        _lastContactAt = _grantedAt = now;
        LogGranted(logger, LeaseId, candidate.Slot, candidate.Pid, candidate.Generation);
        candidate.Process.TrySend(new LeaseGrantedMessage(LeaseId, (int)Ttl.TotalMilliseconds));
    }

    private static bool IsCandidate(WorkerHandle worker, int currentGeneration) =>
        worker.State == WorkerState.Ready && worker.Generation == currentGeneration && worker.PlacedServices > 0
        && !worker.BeingReplaced && !worker.PlacementFailed;

    /// <summary>Heard from within the TTL: a holder whose lease just expired for its silence is not given it back.</summary>
    private static bool IsInContact(WorkerHandle worker, long now) => now - worker.LastHeartbeatAt <= Ttl.TotalMilliseconds;

    private static string? RevokeReason(WorkerHandle holder, IReadOnlyList<WorkerHandle> workers, int currentGeneration, bool stopping) =>
        stopping ? "the supervisor stops"
        : holder.State == WorkerState.Stopping ? $"the worker stops ({holder.StopReason.ToString().ToLowerInvariant()})"
        // Only once a worker of the new generation is ready to take it over, so that a reload leaves no long gap.
        : holder.Generation != currentGeneration && workers.Any(w => IsCandidate(w, currentGeneration)) ? $"generation {currentGeneration} is ready"
        : holder.BeingReplaced && workers.Any(w => w != holder && IsCandidate(w, currentGeneration)) ? "the worker is being replaced"
        : null;

    private void Clear()
    {
        Holder = null;
        Revoking = false;
    }

    [LoggerMessage(EventId = EventIds.LeaseGranted, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} granted to worker {Slot} (pid {WorkerPid}, generation {Generation})")]
    private static partial void LogGranted(ILogger logger, long leaseId, int slot, int workerPid, int generation);

    [LoggerMessage(EventId = EventIds.LeaseRevoked, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} revoked from worker {Slot} (pid {WorkerPid}): {Reason}")]
    private static partial void LogRevoked(ILogger logger, long leaseId, int slot, int workerPid, string reason);

    [LoggerMessage(EventId = EventIds.LeaseReleased, Level = LogLevel.Information,
        Message = "Placement lease {LeaseId} released by worker {Slot} (pid {WorkerPid}): {Reason}, after {HeldSeconds:0.#} s")]
    private static partial void LogReleased(ILogger logger, long leaseId, int slot, int workerPid, string reason, double heldSeconds);

    [LoggerMessage(EventId = EventIds.LeaseExpired, Level = LogLevel.Warning,
        Message = "Placement lease {LeaseId} expired: worker {Slot} (pid {WorkerPid}) silent for {SilentSeconds:0.#} s; it has stopped its placed services by itself, or still holds the lock and the next holder waits for it")]
    private static partial void LogExpired(ILogger logger, long leaseId, int slot, int workerPid, double silentSeconds);
}
