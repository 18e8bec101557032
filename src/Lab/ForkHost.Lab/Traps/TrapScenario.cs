namespace ForkHost.Lab.Demo.Traps;

/// <summary>
/// One half of a multi-process trap (docs/multi-process-traps.md): the trap sprung (broken) or avoided (fixed), run
/// against the Traps sample under a real supervisor, with what it measured in a <see cref="TrapResult"/>.
/// </summary>
internal abstract class TrapScenario
{
    /// <summary>As in the demo's table and <c>--scenarios</c>: the trap's number and a for broken, b for fixed (7a, 7b).</summary>
    public abstract string Number { get; }

    /// <summary>The trap, the same for both halves ("one key ring per process").</summary>
    public abstract string Trap { get; }

    /// <summary>What this half does differently, short enough for the table.</summary>
    public abstract string Name { get; }

    /// <summary>True for the half that avoids the trap: it must count 0 failures; the broken half must count some.</summary>
    public abstract bool Fixed { get; }

    /// <summary>Why it breaks or holds, for the progress log.</summary>
    public abstract string Explanation { get; }

    /// <summary>What <see cref="TrapResult.Failures"/> counts, for the table ("rejected requests").</summary>
    public abstract string FailureLabel { get; }

    /// <summary>Why this machine cannot run it (not root, no memory controller…), or null.</summary>
    public virtual string? CannotRunBecause() => null;

    /// <summary>Runs the scenario and records its counts in <paramref name="result"/>.</summary>
    public abstract Task RunAsync(TrapRun run, TrapResult result, CancellationToken cancellationToken);
}
