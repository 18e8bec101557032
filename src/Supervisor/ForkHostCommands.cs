using ForkHost.Apps;

namespace ForkHost.Supervisor;

/// <summary>
/// The command lines of the two programs a supervisor can be: the forkhost tool (run, status and the lab's commands,
/// the app from --app) and an app's own executable (its options are forkhost run's but --app, plus status).
/// A worker of either never comes here: its role is chosen first, from the environment.
/// </summary>
internal static class ForkHostCommands
{
    /// <summary>How usage errors name this program: "forkhost", or the app's own executable.</summary>
    public static string ProgramName { get; private set; } = "forkhost";

    public static async Task<int> RunToolAsync(string[] args, AppSource appSource) => args switch
    {
        ["run", .. var rest] => await RunCommand.RunAsync(rest, appSource),
        ["status", .. var rest] => await Control.StatusCommand.RunAsync(rest),
        ["demo", .. var rest] => LabCommands.Run("demo", rest),
        ["mysql-server", .. var rest] => LabCommands.Run("mysql-server", rest),
        ["--version"] => PrintVersion(),
        [] or ["--help"] or ["-h"] or ["help"] => PrintHelp(),
        [var command, ..] => UsageError($"unknown command '{command}' (see 'forkhost --help')."),
    };

    /// <summary>An app's own executable: <c>App --workers 4 --bind …</c> serves it; <c>App status</c> asks the running supervisor.</summary>
    public static async Task<int> RunOwnExecutableAsync(string[] args, AppSource appSource)
    {
        ProgramName = appSource.ProgramName ?? ProgramName;
        return args switch
        {
            ["status", .. var rest] => await Control.StatusCommand.RunAsync(rest),
            ["--version"] => PrintOwnVersion(),
            _ => await RunCommand.RunAsync(args, appSource),
        };
    }

    public static int UsageError(string message)
    {
        // The messages are written for forkhost; an app's own executable takes forkhost run's options itself.
        if (ProgramName != "forkhost")
            message = message.Replace("'forkhost run --help'", $"'{ProgramName} --help'", StringComparison.Ordinal);
        Console.Error.WriteLine($"{ProgramName}: {message}");
        return ExitCodes.Usage;
    }

    private static int PrintVersion()
    {
        Console.Out.WriteLine($"forkhost {ThisAssembly.Version}");
        return ExitCodes.Success;
    }

    private static int PrintOwnVersion()
    {
        Console.Out.WriteLine($"{ProgramBuild.Current}, on ForkHost {ThisAssembly.Version}");
        return ExitCodes.Success;
    }

    private static int PrintHelp()
    {
        Console.Out.WriteLine("""
            forkhost: a pre-fork, multi-process worker host for ASP.NET Core apps on Linux.

            Commands:
              run --app PATH[:TYPE] [options]   Serve the app from N worker processes (forkhost run --help).
              status [--json] [options]         Show a running supervisor's workers (forkhost status --help).
              demo [options]                    The fork-bug demo: the shared MySQL connection, shown and fixed (the lab).
              mysql-server [options]            Start (or find) a MySQL server for scripts; prints its connection string (the lab).
              --version                         Print the version.

            Exit codes: 0 stopped cleanly, 1 unexpected error, 2 bad option or configuration,
                        3 workers failed to boot repeatedly, 4 the app's load step failed,
                        5 --fork-safety strict refused to spawn.
            """);
        return ExitCodes.Success;
    }
}
