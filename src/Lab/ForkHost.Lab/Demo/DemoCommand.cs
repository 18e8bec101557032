using ForkHost.Supervisor;
using System.Collections.Concurrent;
using System.Globalization;
using ForkHost.Logging;
using ForkHost.Supervisor.Configuration;
using ForkHost.Lab.MySql;
using ForkHost.Lab.Processes;
using ForkHost.Lab.Demo.Traps;
using Microsoft.Extensions.Logging;
using MySqlConnector;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace ForkHost.Lab.Demo;

/// <summary>
/// <c>forkhost demo</c>, the project's main job: the seed page's failure reproduced for real, then fixed, in one table.
/// Progress goes to stderr; the table (or --json) to stdout.
/// </summary>
internal static partial class DemoCommand
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.Out.Write(DemoOptions.Help);
            return ExitCodes.Success;
        }

        DemoOptions options;
        try
        {
            options = DemoOptions.Parse(args);
        }
        catch (UsageException e)
        {
            return Program.UsageError(e.Message);
        }

        await using Serilog.Core.Logger serilog = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} demo] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: CultureInfo.InvariantCulture)
            .CreateLogger();
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        Microsoft.Extensions.Logging.ILogger logger = loggerFactory.CreateLogger("ForkHost.Demo");

        string app = Path.Combine(AppContext.BaseDirectory, "demo-app", "Comments.dll");
        if (!File.Exists(app))
            return Program.UsageError($"the Comments sample is not at {app}; build the solution (./dev build).");

        MySqlServer server;
        try
        {
            server = await MySqlServerProvider.StartOrFindAsync(options.MySql, logger, CancellationToken.None);
        }
        catch (MySqlServerUnavailableException e)
        {
            Console.Error.WriteLine($"forkhost demo: {e.Message}");
            return ExitCodes.Failure;
        }

        if (!File.Exists(TrapRun.App))
            return Program.UsageError($"the Traps sample is not at {TrapRun.App}; build the solution (./dev build).");

        var results = new List<ScenarioResult>();
        var traps = new List<TrapResult>();
        await using (server)
        {
            LogServer(logger, server.Description);
            string transport = await DescribeTransportAsync(server);
            int index = 0;
            foreach (DemoScenario scenario in DemoScenario.All.Where(s => options.Scenarios.Contains(s.Number)))
            {
                index++;
                ScenarioResult result = await RunScenarioAsync(scenario, index, options, server, app, logger);
                results.Add(result);
                LogScenario(logger, scenario.Number, result.Requests, result.Ok, result.Failures, result.Skipped ?? (result.AsExpected ? "as expected" : "NOT as expected"));
            }
            foreach (TrapScenario trap in TrapCatalog.All.Where(t => options.Scenarios.Contains(t.Number)))
            {
                TrapResult result = await RunTrapAsync(trap, options, server, logger);
                traps.Add(result);
                LogTrap(logger, trap.Number, result.Failures, trap.FailureLabel, result.Error ?? result.Skipped ?? (result.AsExpected ? "as expected" : "NOT as expected"));
            }
            if (options.Json)
                Console.Out.WriteLine(DemoReport.Json(results, traps, server.Description, transport));
            else
                Console.Out.Write(string.Join(Environment.NewLine, new[]
                {
                    results.Count > 0 ? DemoReport.Table(results, server.Description, transport) : "",
                    TrapReport.Section(traps, results.Count > 0 ? null : server.Description),
                }.Where(section => section.Length > 0)));
        }
        return results.All(r => r.AsExpected) && traps.All(t => t.AsExpected) ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<TrapResult> RunTrapAsync(TrapScenario trap, DemoOptions options, MySqlServer server, Microsoft.Extensions.Logging.ILogger logger)
    {
        var result = new TrapResult { Scenario = trap.Number, Trap = trap.Trap, Name = trap.Name, Fixed = trap.Fixed, FailureLabel = trap.FailureLabel };
        LogStarting(logger, trap.Number, $"{trap.Trap}, {trap.Name}", trap.Explanation);
        if (trap.CannotRunBecause() is { } reason)
        {
            result.Skipped = reason;
            return result;
        }
        try
        {
            await using var run = new TrapRun(options, server, logger);
            await trap.RunAsync(run, result, CancellationToken.None);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException or OperationCanceledException or MySqlException)
        {
            string why = e is SupervisorExitedException exited ? $"forkhost exited early (code {exited.ExitCode})" : e.Message.Split('\n')[0];
            result.Error = why;
        }
        return result;
    }

    private static async Task<ScenarioResult> RunScenarioAsync(DemoScenario scenario, int index, DemoOptions options, MySqlServer server, string app, Microsoft.Extensions.Logging.ILogger logger)
    {
        var result = new ScenarioResult
        {
            Scenario = scenario.Number,
            Name = scenario.Name,
            Inherit = scenario.Inherit,
            DisposeBeforeSpawn = scenario.DisposeBeforeSpawn,
            ExpectFailures = scenario.ExpectFailures,
        };
        LogStarting(logger, scenario.Number, scenario.Name, scenario.Explanation);

        int? savedWaitTimeout = null;
        if (scenario.LowerWaitTimeout)
        {
            try
            {
                savedWaitTimeout = await SetGlobalWaitTimeoutAsync(server.ConnectionString, DemoScenario.LoweredWaitTimeout);
            }
            catch (MySqlException e)
            {
                result.Skipped = $"cannot SET GLOBAL wait_timeout ({e.Message})";
                return result;
            }
        }

        string? stateDirectory = null;
        try
        {
            string connectionString = scenario.PoolSettings.Length == 0 ? server.ConnectionString : $"{server.ConnectionString};{scenario.PoolSettings}";
            List<string> arguments =
            [
                "run", "--app", app, "--workers", Number(options.Workers), "--bind", "127.0.0.1:0",
                "--inherit", scenario.Inherit, $"--dispose-before-spawn={(scenario.DisposeBeforeSpawn ? "true" : "false")}",
                "--graceful-timeout", "10",
            ];
            if (scenario.MaxRequests > 0)
                arguments.AddRange(["--max-requests", Number(scenario.MaxRequests), "--max-requests-jitter", "10"]);

            // The scenario's key ring is as throwaway as its server: not the user's ~/.local/state/forkhost.
            stateDirectory = Directory.CreateTempSubdirectory("forkhost-demo-state-").FullName;
            await using var supervisor = SupervisorProcess.Start(new SupervisorStartInfo
            {
                Arguments = arguments,
                // The connection string travels in the environment, not on a command line that ps shows.
                Environment = new Dictionary<string, string?> { ["FORKHOST_MYSQL"] = connectionString, ["STATE_DIRECTORY"] = stateDirectory },
                Echo = options.Verbose ? Console.Error : null,
                // A broken scenario logs an error per failed request; the demo needs only the start-up events.
                RetainedLines = 20_000,
            });
            Uri address = await supervisor.WaitForHttpAddressAsync(ReadyTimeout);
            await supervisor.WaitForAllReadyAsync(ReadyTimeout);
            // The audit ran before the first spawn: read it now, before a long run's log could push it out.
            var findings = AuditFindings(supervisor).ToList();

            var workersSeen = new ConcurrentDictionary<int, byte>();
            TimeSpan loadTime = TimeSpan.Zero;
            long firstN = index * 100_000_000L + Random.Shared.Next(1000, 9_999_999);
            if (scenario.LowerWaitTimeout)
            {
                // Warm the workers' pools, leave them idle past the server's wait_timeout, then load again.
                int warmUp = Math.Min(options.Requests / 2, options.Concurrency * 2);
                loadTime += await DemoLoad.RunAsync(address, warmUp, options.Concurrency, options.Pad, firstN, result, workersSeen);
                await Task.Delay(TimeSpan.FromSeconds(DemoScenario.LoweredWaitTimeout + 1.5));
                loadTime += await DemoLoad.RunAsync(address, options.Requests - warmUp, options.Concurrency, options.Pad, firstN + warmUp, result, workersSeen);
            }
            else
            {
                loadTime += await DemoLoad.RunAsync(address, options.Requests, options.Concurrency, options.Pad, firstN, result, workersSeen);
            }
            result.RequestsPerSecond = result.Requests / loadTime.TotalSeconds;
            result.WorkersSeen = workersSeen.Count;
            result.AuditFindings.AddRange(findings.Concat(AuditFindings(supervisor)).Distinct().Take(6));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            string reason = e is SupervisorExitedException exited ? $"forkhost exited early (code {exited.ExitCode}):" : e.Message.Split('\n')[0];
            result.Skipped = $"the supervisor did not start: {reason}";
        }
        finally
        {
            if (stateDirectory is not null)
                Directory.Delete(stateDirectory, recursive: true);
            if (savedWaitTimeout is int saved)
                await SetGlobalWaitTimeoutAsync(server.ConnectionString, saved);
        }
        return result;
    }

    /// <summary>What the supervisor's fork-safety audit reported, each finding once, at most six for the table.</summary>
    private static IEnumerable<string> AuditFindings(SupervisorProcess supervisor) =>
        supervisor.Events
            .Where(e => e.EventId is EventIds.ForkSafetyShared or EventIds.ForkSafetyAudit or EventIds.ForkSafetyDisposed)
            .Select(e => e.Message)
            .Distinct()
            .Take(6);

    /// <summary>
    /// Which variant of the bug ran: with TLS (MySqlConnector's default SslMode=Preferred, when the server offers it)
    /// a worker's plaintext breaks the session for every holder at once, instead of the cross-talk of plain TCP.
    /// </summary>
    private static async Task<string> DescribeTransportAsync(MySqlServer server)
    {
        try
        {
            var greeting = await ForkHost.Lab.MySqlWire.MySqlServerGreeting.ReadAsync(server.Host, server.Port, TimeSpan.FromSeconds(5), CancellationToken.None);
            bool tlsOff = new MySqlConnectionStringBuilder(server.ConnectionString).SslMode == MySqlSslMode.None;
            return greeting.OffersTls && !tlsOff
                ? "TLS (the server offers it and SslMode is Preferred): workers sharing a session break it for every holder"
                : "plain TCP (the server offers no TLS): the TLS variant of the bug did not run";
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
        {
            return $"unknown ({e.Message})";
        }
    }

    /// <returns>The previous value, to restore afterwards. Sessions take the global value when they connect.</returns>
    private static async Task<int> SetGlobalWaitTimeoutAsync(string connectionString, int seconds)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString) { Pooling = false };
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var read = new MySqlCommand("SELECT @@GLOBAL.wait_timeout", connection);
        int previous = Convert.ToInt32(await read.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        await using var set = new MySqlCommand($"SET GLOBAL wait_timeout = {seconds.ToString(CultureInfo.InvariantCulture)}", connection);
        await set.ExecuteNonQueryAsync();
        return previous;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "MySQL server: {Server}")]
    private static partial void LogServer(Microsoft.Extensions.Logging.ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scenario {Scenario}: {Name}. {Explanation}")]
    private static partial void LogStarting(Microsoft.Extensions.Logging.ILogger logger, string scenario, string name, string explanation);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scenario {Scenario}: {Failures} {FailureLabel} ({Verdict})")]
    private static partial void LogTrap(Microsoft.Extensions.Logging.ILogger logger, string scenario, long failures, string failureLabel, string verdict);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scenario {Scenario}: {Requests} requests, {Ok} ok, {Failures} failed ({Verdict})")]
    private static partial void LogScenario(Microsoft.Extensions.Logging.ILogger logger, string scenario, int requests, int ok, int failures, string verdict);
}
