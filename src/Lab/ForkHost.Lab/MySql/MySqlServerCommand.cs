using ForkHost.Supervisor;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ForkHost.Supervisor.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ForkHost.Lab.MySql;

/// <summary>
/// <c>forkhost mysql-server</c>: starts (or finds) a MySQL server for a script, prints one JSON line with its
/// connection string, and keeps it until SIGTERM, SIGINT or end of standard input; a throwaway server is then
/// stopped and deleted. The connection string is printed on purpose: it is how scripts get it.
/// </summary>
internal static class MySqlServerCommand
{
    public const string Help = """
        Usage: forkhost mysql-server [--mysql CONNECTION-STRING | --mysql-file PATH] [--wait-timeout SECONDS] [--max-connections N]

        Starts a MySQL server (the given one, a Docker one, or a throwaway local MariaDB), prints one JSON line
        {"connectionString", "kind", "host", "port", "pid"} on stdout, and keeps the server until SIGTERM, SIGINT or
        end of standard input. The line contains the connection string, password included: it is meant for scripts.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string? mySql = null;
        int? waitTimeout = null, maxConnections = null;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                Console.Out.Write(Help);
                return ExitCodes.Success;
            }
            if (i + 1 >= args.Count)
                return Program.UsageError($"mysql-server: {name} needs a value (see 'forkhost mysql-server --help').");
            string value = args[++i];
            switch (name)
            {
                case "--mysql":
                    mySql = value;
                    break;
                case "--mysql-file":
                    try
                    {
                        mySql = MySqlConnectionStringSource.ReadFile(value, "mysql-server: --mysql-file");
                    }
                    catch (UsageException e)
                    {
                        return Program.UsageError(e.Message);
                    }
                    break;
                case "--wait-timeout" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) && seconds > 0:
                    waitTimeout = seconds;
                    break;
                case "--max-connections" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int connections) && connections > 0:
                    maxConnections = connections;
                    break;
                case "--wait-timeout" or "--max-connections":
                    return Program.UsageError($"mysql-server: {name} must be a whole number above 0 (got '{value}').");
                default:
                    return Program.UsageError($"mysql-server: unknown option {name} (see 'forkhost mysql-server --help').");
            }
        }

        MySqlServer server;
        try
        {
            server = await MySqlServerProvider.StartOrFindAsync(mySql, NullLogger.Instance, CancellationToken.None, new ThrowawayServerOptions(waitTimeout, maxConnections));
        }
        catch (MySqlServerUnavailableException e)
        {
            Console.Error.WriteLine($"forkhost mysql-server: {e.Message}");
            return ExitCodes.Failure;
        }

        await using (server)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; done.TrySetResult(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; done.TrySetResult(); });
            if (StandardInputIsPipe())
            {
                _ = Task.Run(async () =>
                {
                    // End of a piped standard input: the script that started us is gone or done.
                    await Console.OpenStandardInput().CopyToAsync(Stream.Null);
                    done.TrySetResult();
                });
            }

            Console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                connectionString = server.ConnectionString,
                kind = server.Kind.ToString().ToLowerInvariant(),
                host = server.Host,
                port = server.Port,
                pid = server.Pid,
            }));
            Console.Out.Flush();
            await done.Task;
        }
        return ExitCodes.Success;
    }

    /// <summary>A background job's standard input is /dev/null, at end of stream from the start: only a pipe is watched.</summary>
    private static bool StandardInputIsPipe()
    {
        try
        {
            return new FileInfo("/proc/self/fd/0").LinkTarget?.StartsWith("pipe:", StringComparison.Ordinal) == true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
