namespace ForkHost.Supervisor.Fleet;

/// <summary>
/// What <c>/readyz</c> answers, as the arbiter loop last published it: taken on the loop, read by HTTP threads, never
/// the other way round.
/// </summary>
/// <param name="ReadyWorkers">Workers of any generation that said Ready and have not been told to stop.</param>
/// <param name="RequiredWorkers">How many must be ready: --ready-workers, or every wanted worker, never more than are wanted.</param>
/// <param name="WantedWorkers">Workers the supervisor wants now (--workers, TTIN/TTOU).</param>
/// <param name="Stopping">null while serving; "graceful" or "quick" from the first moment of a stop.</param>
/// <param name="IsCurrent">
/// This supervisor is the one that serves the fleet endpoint: false in a USR2 successor until it takes over, and false
/// in its predecessor from the handover on.
/// </param>
internal sealed record FleetReadiness(int ReadyWorkers, int RequiredWorkers, int WantedWorkers, string? Stopping, bool IsCurrent)
{
    /// <summary>Before the arbiter's first turn: generation 1 is loading, no worker exists.</summary>
    public static FleetReadiness Starting(int requiredWorkers, int wantedWorkers, bool isCurrent) =>
        new(0, requiredWorkers, wantedWorkers, null, isCurrent);

    public bool IsReady => Stopping is null && IsCurrent && ReadyWorkers >= RequiredWorkers;

    /// <summary>The one-line reason, as /readyz's body and <c>forkhost status</c>'s "ready:" line show it.</summary>
    public string Describe() =>
        $"{(IsReady ? "yes" : "no")} ({ReadyWorkers} of {WantedWorkers} ready, --ready-workers {RequiredWorkers}" +
        (Stopping is { } mode ? $", stopping ({mode})" : "") +
        (IsCurrent ? "" : ", another supervisor serves (USR2)") + ")";
}
