namespace ForkHost.Lab.Demo.Traps;

/// <summary>What one trap scenario counted: the failures it is about, and the figures that explain them.</summary>
internal sealed class TrapResult
{
    public required string Scenario { get; init; }
    public required string Trap { get; init; }
    public required string Name { get; init; }
    public required bool Fixed { get; init; }
    public required string FailureLabel { get; init; }

    /// <summary>The trap's damage: rejected requests, duplicate ticks, lost sessions, OOM kills…</summary>
    public long Failures { get; set; }

    /// <summary>The other figures, in the order they are shown ("requests" → 120, "workers" → 4).</summary>
    public List<KeyValuePair<string, long>> Counts { get; } = [];

    /// <summary>What ForkHost said about it at start (the audit's findings), each once.</summary>
    public List<string> Findings { get; } = [];

    /// <summary>A few examples of the failure, for the lines under the table.</summary>
    public List<string> Samples { get; } = [];

    /// <summary>Why this machine cannot run it (a reason, not a failure).</summary>
    public string? Skipped { get; set; }

    /// <summary>Why it could not be measured (the supervisor did not start, a request timed out): a failure.</summary>
    public string? Error { get; set; }

    public void Count(string label, long value) => Counts.Add(new(label, value));

    /// <summary>True when the scenario showed what it is meant to show: failures when broken, none when fixed.</summary>
    public bool AsExpected => Error is null && (Skipped is not null || (Fixed ? Failures == 0 : Failures > 0));
}
