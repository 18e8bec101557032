using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Workers;

/// <summary>
/// The supervisor's handle on one worker, after Puma's <c>WorkerHandle</c>: its state, and the behaviour that changes
/// it (ready, heartbeat, stop, kill, overdue). Owned by the arbiter loop; nothing else reads or writes it.
/// </summary>
internal sealed class WorkerHandle(int slot, int generation, long requestLimit, long spawnedAt, IWorkerProcess process)
{
    /// <summary>How long a hung worker gets between SIGTERM and SIGKILL.</summary>
    public static readonly TimeSpan HungKillGrace = TimeSpan.FromSeconds(2);

    public int Slot { get; } = slot;
    public int Generation { get; } = generation;
    public IWorkerProcess Process { get; } = process;
    public int Pid => Process.Pid;

    /// <summary>Requests after which the worker is recycled (--max-requests with jitter); long.MaxValue for never.</summary>
    public long RequestLimit { get; } = requestLimit;

    public WorkerState State { get; private set; } = WorkerState.Booting;

    /// <summary>Milliseconds on the arbiter's clock, as every time below.</summary>
    public long SpawnedAt { get; } = spawnedAt;
    public long? ReadyAt { get; private set; }
    public long LastHeartbeatAt { get; private set; } = spawnedAt;
    public HeartbeatMessage? LastHeartbeat { get; private set; }

    /// <summary>When a stopping worker is killed if it is still there; long.MinValue once it has been.</summary>
    public long KillAt { get; private set; } = long.MaxValue;

    public WorkerStopReason StopReason { get; private set; }

    /// <summary>Why it failed, as it said (its boot-failed message) or as the supervisor saw (boot timeout, protocol error).</summary>
    public string? FailureReason { get; private set; }

    /// <summary>Placed hosted services its app registered, as its ready message said: only a worker with some gets the placement lease.</summary>
    public int PlacedServices { get; private set; }

    /// <summary>Its placed services failed to start (or to stop in time): the lease is not granted to it again.</summary>
    public bool PlacementFailed { get; set; }

    public void MarkReady(long now, int placedServices = 0)
    {
        PlacedServices = placedServices;
        State = WorkerState.Ready;
        ReadyAt = now;
        LastHeartbeatAt = now;
    }

    public void RecordHeartbeat(HeartbeatMessage heartbeat, long now)
    {
        LastHeartbeatAt = now;
        LastHeartbeat = heartbeat;
    }

    public void RecordBootFailure(string reason) => FailureReason ??= reason;

    /// <summary>The build it runs, when it refused to boot because that is not the supervisor's (<see cref="Apps.ProgramBuild"/>).</summary>
    public string? WrongBuild { get; private set; }

    public void RecordWrongBuild(string reason, string build)
    {
        RecordBootFailure(reason);
        WrongBuild ??= build;
    }

    /// <summary>
    /// --request-hard-timeout: a request of its ran too long. It keeps serving, but its slot counts as empty, so a
    /// replacement is spawned; once that one is ready this one is stopped gracefully. Set once.
    /// </summary>
    public bool BeingReplaced { get; private set; }

    public void MarkForReplacement() => BeingReplaced = true;

    /// <summary>How long its oldest request has run at <paramref name="now"/>, from its last heartbeat: 0 with none in flight, null before its first.</summary>
    public long? OldestRequestAgeAt(long now) => LastHeartbeat is not { } heartbeat ? null
        : heartbeat.OldestRequest is { } oldest ? oldest.AgeMilliseconds + Math.Max(0, now - LastHeartbeatAt) : 0;

    /// <summary>
    /// A ready worker gets a Stop message (it finishes in-flight requests, up to <paramref name="grace"/>); a booting one,
    /// whose channel reader has not started yet, gets the matching signal instead. Either way it is killed if still there
    /// at the deadline. Stopping again only brings the deadline forward.
    /// </summary>
    /// <param name="beforeTelling">Runs once the worker counts as stopping and before it is told: with --balance dispatch
    /// the dispatcher must stop handing it connections first, since the Stop message is the last it reads.</param>
    public void BeginStop(WorkerStopReason reason, bool graceful, TimeSpan grace, long now, Action? beforeTelling = null)
    {
        bool ready = State == WorkerState.Ready;
        State = WorkerState.Stopping;
        if (StopReason == WorkerStopReason.None)
            StopReason = reason;
        KillAt = Math.Min(KillAt, now + (long)grace.TotalMilliseconds);
        beforeTelling?.Invoke();
        bool told = ready && Process.TrySend(new StopMessage(graceful, (int)grace.TotalMilliseconds));
        if (!told)
            Process.Signal(graceful ? Interop.Signals.SIGTERM : Interop.Signals.SIGINT);
    }

    /// <summary>A worker that went silent: SIGTERM (the runtime's graceful stop), SIGKILL after <see cref="HungKillGrace"/>.</summary>
    public void Terminate(long now)
    {
        Process.Signal(Interop.Signals.SIGTERM);
        State = WorkerState.Stopping;
        StopReason = WorkerStopReason.Hung;
        KillAt = now + (long)HungKillGrace.TotalMilliseconds;
    }

    /// <summary>SIGKILL now. <paramref name="failure"/> makes the exit a failure (a boot failure if it never got ready).</summary>
    public void Kill(WorkerStopReason reason, string? failure = null)
    {
        Process.Signal(Interop.Signals.SIGKILL);
        State = WorkerState.Stopping;
        if (StopReason == WorkerStopReason.None || failure is not null)
            StopReason = reason;
        if (failure is not null)
            FailureReason ??= failure;
        KillAt = long.MinValue;
    }

    /// <summary>What this worker is late for, at <paramref name="now"/>: the arbiter acts on it.</summary>
    public WorkerDeadline Overdue(long now, GenerationSettings settings) => State switch
    {
        WorkerState.Booting when now - SpawnedAt > settings.BootTimeout.TotalMilliseconds => WorkerDeadline.Boot,
        WorkerState.Ready when now - LastHeartbeatAt > settings.Timeout.TotalMilliseconds => WorkerDeadline.Heartbeat,
        WorkerState.Stopping when KillAt != long.MinValue && now >= KillAt => WorkerDeadline.Stop,
        _ => WorkerDeadline.None,
    };

    public override string ToString() => $"worker {Slot} (pid {Pid}, generation {Generation})";
}
