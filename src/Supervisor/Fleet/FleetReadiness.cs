using ForkHost.Supervisor.Configuration;

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
    public static FleetReadiness Starting(GenerationSettings settings, bool isCurrent) =>
        new(0, settings.RequiredReadyWorkers(settings.Workers), settings.Workers, null, isCurrent);

    public bool IsReady => Stopping is null && IsCurrent && ReadyWorkers >= RequiredWorkers;

    /// <summary>The one-line reason, as /readyz's body shows it after "ready: ".</summary>
    public string Describe() => Summary(IsReady, ReadyWorkers, WantedWorkers, RequiredWorkers, Stopping, IsCurrent ? null : "another supervisor serves (USR2)");

    /// <summary>
    /// "yes (3 of 3 ready, --ready-workers 3)": one wording for /readyz and <c>forkhost status</c>'s "ready:" line,
    /// which formats it from the status snapshot.
    /// </summary>
    public static string Summary(bool isReady, int readyWorkers, int wantedWorkers, int requiredWorkers, string? stopping, string? note = null) =>
        $"{(isReady ? "yes" : "no")} ({readyWorkers} of {wantedWorkers} ready, --ready-workers {requiredWorkers}" +
        (stopping is { } mode ? $", stopping ({mode})" : "") +
        (note is null ? "" : $", {note}") + ")";
}
