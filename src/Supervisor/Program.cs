namespace ForkHost.Supervisor;

internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        ["run", .. var rest] => await RunCommand.RunAsync(rest),
        ["status", .. var rest] => await Control.StatusCommand.RunAsync(rest),
        ["demo", .. var rest] => LabCommands.Run("demo", rest),
        ["mysql-server", .. var rest] => LabCommands.Run("mysql-server", rest),
        ["--version"] => PrintVersion(),
        [] or ["--help"] or ["-h"] or ["help"] => PrintHelp(),
        [var command, ..] => UsageError($"unknown command '{command}' (see 'forkhost --help')."),
    };

    public static int UsageError(string message)
    {
        Console.Error.WriteLine($"forkhost: {message}");
        return ExitCodes.Usage;
    }

    private static int PrintVersion()
    {
        Console.Out.WriteLine($"forkhost {ThisAssembly.Version}");
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
