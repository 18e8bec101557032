namespace ForkHost.Lab.Processes;

/// <summary>What <see cref="SupervisorProcess.Start"/> runs, and how it is stopped at disposal.</summary>
internal sealed record SupervisorStartInfo
{
    /// <summary>The forkhost program; by default the one next to this one.</summary>
    public string Executable { get; init; } = Path.Combine(AppContext.BaseDirectory, "forkhost");

    /// <summary>
    /// The command and its options, e.g. <c>run --app …</c>; <c>--log-format json</c> is added to a <c>run</c> without one
    /// (and to an <see cref="IsOwnExecutable"/>'s options).
    /// </summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>
    /// <see cref="Executable"/> is an app's own executable (ForkHostProgram), not forkhost: it serves when its
    /// arguments are forkhost run's options with no command before them, so those get JSON logs as a <c>run</c> does;
    /// its <c>status</c> and <c>--version</c> do not.
    /// </summary>
    public bool IsOwnExecutable { get; init; }

    /// <summary>
    /// Set for the child on top of this process's environment; a null value removes a variable. Secrets such as
    /// FORKHOST_MYSQL belong here, never in <see cref="Arguments"/>: every local user can read a command line.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// RLIMIT_NOFILE for the child and so its workers, soft and hard (the runtime raises a soft limit to the hard one
    /// at start), set by prlimit(1), which execs the program: its pid stays the child's.
    /// </summary>
    public int? DescriptorLimit { get; init; }

    /// <summary>Where it runs (it reads appsettings.json from there); null: this process's.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Give it a pipe for stdin instead of this process's, so it never reads a terminal or a test runner's input.</summary>
    public bool RedirectStandardInput { get; init; }

    /// <summary>Where to pass every line it writes (stdout and stderr) as it arrives; null: nowhere.</summary>
    public TextWriter? Echo { get; init; }

    /// <summary>
    /// About how many lines of each stream, and how many events, are kept (the oldest go first); null: all of them, as a
    /// test that checks every access-log line needs. A long demo run must not grow without bound.
    /// </summary>
    public int? RetainedLines { get; init; }

    /// <summary>How long disposal waits after SIGTERM before SIGKILL; zero: SIGKILL at once.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(20);
}
