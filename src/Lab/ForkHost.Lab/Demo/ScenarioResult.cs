namespace ForkHost.Lab.Demo;

/// <summary>What one scenario measured. Every request is verified: its answer must be the database's echo of its own n.</summary>
internal sealed class ScenarioResult
{
    public required string Scenario { get; init; }
    public required string Name { get; init; }
    public required string Inherit { get; init; }
    public required bool DisposeBeforeSpawn { get; init; }
    public required bool ExpectFailures { get; init; }
    public int Requests { get; set; }
    public int Ok { get; set; }
    public int Http5xx { get; set; }
    /// <summary>200 answers carrying another request's value.</summary>
    public int WrongResults { get; set; }
    /// <summary>Requests that got no HTTP answer at all (connection reset, timeout).</summary>
    public int NoResponse { get; set; }
    public Dictionary<string, int> DatabaseErrors { get; } = new(StringComparer.Ordinal);
    /// <summary>Requests answered from a session inherited from the supervisor.</summary>
    public int InheritedSessionAnswers { get; set; }
    public double RequestsPerSecond { get; set; }
    public int WorkersSeen { get; set; }
    /// <summary>What the supervisor's fork-safety audit said before the first spawn.</summary>
    public List<string> AuditFindings { get; } = [];
    public string? Skipped { get; set; }
    public List<string> SampleErrors { get; } = [];

    public int Failures => Http5xx + WrongResults + NoResponse;

    public int DatabaseErrorCount(string errorClass) => DatabaseErrors.GetValueOrDefault(errorClass);

    /// <summary>True when the scenario showed what it is meant to show.</summary>
    public bool AsExpected => Skipped is not null || (ExpectFailures ? Failures > 0 : Failures == 0);
}
