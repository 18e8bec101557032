using System.Globalization;
using ForkHost.Lab.MySql;
using ForkHost.Lab.Processes;
using Microsoft.Extensions.Logging;

namespace ForkHost.Lab.Demo.Traps;

/// <summary>
/// What a trap scenario runs with: the demo's options and MySQL server, and supervisors of the Traps sample started
/// for it. Each supervisor gets a throwaway state directory (the shared key ring) unless the scenario asks for none;
/// disposal stops every supervisor and deletes those directories.
/// </summary>
internal sealed class TrapRun(DemoOptions options, MySqlServer server, ILogger logger) : IAsyncDisposable
{
    /// <summary>How long a supervisor of the Traps sample gets to have every worker ready.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<SupervisorProcess> _supervisors = [];
    private readonly List<string> _directories = [];

    public DemoOptions Options { get; } = options;
    public MySqlServer Server { get; } = server;
    public ILogger Logger { get; } = logger;
    public int Workers => Options.Workers;

    /// <summary>The Traps sample, next to forkhost-lab.</summary>
    public static string App => Path.Combine(AppContext.BaseDirectory, "traps-app", "Traps.dll");

    /// <summary>A new empty directory, deleted with this run.</summary>
    public string CreateDirectory(string purpose)
    {
        string directory = Directory.CreateTempSubdirectory($"forkhost-demo-{purpose}-").FullName;
        _directories.Add(directory);
        return directory;
    }

    /// <summary>
    /// Starts <c>forkhost run --app Traps.dll --workers N --bind 127.0.0.1:0</c> plus <paramref name="arguments"/>,
    /// with the server's connection string in FORKHOST_MYSQL and <paramref name="environment"/> on top (the Traps
    /// sample reads its Traps:* switches from there).
    /// </summary>
    /// <param name="sharedKeyRing">False: no state directory at all (STATE_DIRECTORY, XDG_STATE_HOME and HOME unset), so each worker keeps its keys in memory.</param>
    /// <param name="executable">Another program to run instead (a wrapper that execs forkhost), with its own arguments first.</param>
    public SupervisorProcess Start(
        IEnumerable<string>? arguments = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        bool sharedKeyRing = true,
        IReadOnlyList<string>? executable = null)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["FORKHOST_MYSQL"] = Server.ConnectionString,
        };
        if (sharedKeyRing)
        {
            variables["STATE_DIRECTORY"] = CreateDirectory("state");
        }
        else
        {
            variables["STATE_DIRECTORY"] = null;
            variables["XDG_STATE_HOME"] = null;
            variables["HOME"] = null;
        }
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
            variables[name] = value;

        List<string> run =
        [
            "run", "--app", App, "--workers", Workers.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1:0",
            "--graceful-timeout", "10", "--log-format", "json",
            .. arguments ?? [],
        ];
        SupervisorProcess supervisor = SupervisorProcess.Start(executable is null
            ? new SupervisorStartInfo { Arguments = run, Environment = variables, Echo = Options.Verbose ? Console.Error : null, RetainedLines = 20_000 }
            : new SupervisorStartInfo
            {
                Executable = executable[0],
                Arguments = [.. executable.Skip(1), Path.Combine(AppContext.BaseDirectory, "forkhost"), .. run],
                Environment = variables,
                Echo = Options.Verbose ? Console.Error : null,
                RetainedLines = 20_000,
            });
        _supervisors.Add(supervisor);
        return supervisor;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SupervisorProcess supervisor in _supervisors)
            await supervisor.DisposeAsync();
        foreach (string directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
