namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// How a test starts forkhost: the product's <see cref="SupervisorProcess"/>, running the program built alongside
/// these tests, with stdin a pipe (not the test runner's) and no grace at disposal (a finished test kills what is
/// left at once). Plus what only a test asks of it: the kernel's view of its children, and a signal that must arrive.
/// </summary>
internal static class ForkHostProcess
{
    /// <summary>Starts <c>forkhost ARGS</c> (JSON logs are added for "run").</summary>
    /// <param name="descriptorLimit">RLIMIT_NOFILE, soft and hard, for it and so its workers.</param>
    /// <param name="workingDirectory">Where it runs (it reads appsettings.json from there); default: the test's.</param>
    /// <param name="unsetEnvironment">Variables of the test's environment it does not get (HOME, say).</param>
    /// <param name="ownExecutable"><paramref name="executable"/> is an app's own executable: its options are run's, with no command.</param>
    public static SupervisorProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? executable = null,
        int? descriptorLimit = null, string? workingDirectory = null, IEnumerable<string>? unsetEnvironment = null, bool ownExecutable = false) =>
        SupervisorProcess.Start(new SupervisorStartInfo
        {
            Executable = executable ?? RepositoryPaths.Supervisor,
            Arguments = args.ToList(),
            IsOwnExecutable = ownExecutable,
            Environment = (environment ?? new Dictionary<string, string>()).Select(e => KeyValuePair.Create(e.Key, (string?)e.Value))
                .Concat((unsetEnvironment ?? []).Select(name => KeyValuePair.Create(name, (string?)null)))
                .Prepend(KeyValuePair.Create("STATE_DIRECTORY", (string?)StateDirectory))
                .GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value),
            DescriptorLimit = descriptorLimit,
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            StopGracePeriod = TimeSpan.Zero,
        });

    /// <summary>
    /// The state directory (the Data Protection key ring) of every supervisor a test starts without naming one: in the
    /// build output, never the user's ~/.local/state/forkhost. A test's own STATE_DIRECTORY, or its unsetting, wins.
    /// </summary>
    public static string StateDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "test-state");

    public static SupervisorProcess Run(string app, params string[] options) => Start(["run", "--app", app, .. options]);

    /// <summary>Starts an app's own executable (ForkHostProgram) with <paramref name="options"/>, forkhost run's but --app; JSON logs are added.</summary>
    public static SupervisorProcess StartOwnExecutable(string executable, IEnumerable<string> options, IDictionary<string, string>? environment = null) =>
        Start(options, environment, executable, ownExecutable: true);

    /// <summary>Its live child processes, from the kernel's process table.</summary>
    public static IReadOnlyList<int> WorkerPids(this SupervisorProcess forkhost) => ProcessTable.ChildrenOf(forkhost.Pid);

    public static void Signal(this SupervisorProcess forkhost, int signal) => Assert.Equal(0, Interop.Libc.Kill(forkhost.Pid, signal));
}
