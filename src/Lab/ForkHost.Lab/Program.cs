using ForkHost.Supervisor;

namespace ForkHost.Lab;

/// <summary>forkhost-lab: the lab's commands. forkhost hands <c>demo</c> and <c>mysql-server</c> to it.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        ["demo", .. var rest] => await Demo.DemoCommand.RunAsync(rest),
        ["mysql-server", .. var rest] => await MySql.MySqlServerCommand.RunAsync([.. rest]),
        [] or ["--help"] or ["-h"] or ["help"] => PrintHelp(),
        [var command, ..] => UsageError($"unknown command '{command}' (see 'forkhost --help')."),
    };

    /// <summary>Errors read as forkhost's own, since forkhost demo and forkhost mysql-server are how the lab is run.</summary>
    public static int UsageError(string message)
    {
        Console.Error.WriteLine($"forkhost: {message}");
        return ExitCodes.Usage;
    }

    private static int PrintHelp()
    {
        Console.Out.WriteLine("""
            forkhost-lab: ForkHost's lab, run as forkhost demo and forkhost mysql-server.

            Commands:
              demo [options]           The fork-bug demo: the shared MySQL connection, shown and fixed.
              mysql-server [options]   Start (or find) a MySQL server for scripts; prints its connection string.
            """);
        return ExitCodes.Success;
    }
}
