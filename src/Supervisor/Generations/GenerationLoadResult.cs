namespace ForkHost.Supervisor.Generations;

/// <summary>What a <see cref="IGenerationLoader"/> reports: a generation ready to spawn, or a refusal and its reason.</summary>
internal sealed record GenerationLoadResult
{
    private GenerationLoadResult(Generation? loaded, string? refusal, int exitCode, IReadOnlyList<string> restartOnlyChanges)
    {
        Loaded = loaded;
        Refusal = refusal;
        ExitCode = exitCode;
        RestartOnlyChanges = restartOnlyChanges;
    }

    public Generation? Loaded { get; }

    /// <summary>Why nothing was loaded: one line, naming the option or the app's exception.</summary>
    public string? Refusal { get; }

    /// <summary>At start, the supervisor's exit code for <see cref="Refusal"/>: 2 for bad input, 4 when the app's load step threw.</summary>
    public int ExitCode { get; }

    /// <summary>Settings fixed for the process that the configuration now changes ("--backlog 512 → 1024"); they wait for a restart.</summary>
    public IReadOnlyList<string> RestartOnlyChanges { get; }

    public static GenerationLoadResult Success(Generation generation, IReadOnlyList<string>? restartOnlyChanges = null) =>
        new(generation, null, ExitCodes.Success, restartOnlyChanges ?? []);

    public static GenerationLoadResult Refused(string reason, int exitCode) => new(null, reason, exitCode, []);
}
