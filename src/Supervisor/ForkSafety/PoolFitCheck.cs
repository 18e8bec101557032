using System.Data.Common;
using ForkHost.Supervisor.Secrets;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>
/// Checks the pool settings in the app's connection string against the server, once, before any worker exists —
/// the seed's pool_recycle lesson. An idle pooled session must be retired before the server's wait_timeout closes
/// it; MySqlConnector retires idle sessions from a reaper that runs every max(1, min(60, idle / 2)) seconds, so the
/// idle timeout plus that interval must stay below wait_timeout. And every worker has its own pool, and every replica
/// (--replicas: the pods or hosts running this app against the same server) has its workers, so replicas × workers ×
/// MaximumPoolSize, plus each supervisor's own session (this check's, on every start and reload), must fit in
/// max_connections. Past that limit the answer is a multiplexing proxy (ProxySQL), not a smaller pool per worker.
/// </summary>
internal static partial class PoolFitCheck
{
    /// <summary>Sessions a supervisor opens itself: the check's probe, pooling off, on every start and reload.</summary>
    internal const int SupervisorSessions = 1;

    /// <param name="BudgetExceeded">The connection-budget warning, if the pools can exceed max_connections: what --fork-safety strict refuses.</param>
    public sealed record Result(int WaitTimeout, int MaxConnections, IReadOnlyList<string> Warnings, string? BudgetExceeded);

    public static async Task<Result?> RunAsync(string connectionString, int workers, int replicas, ILogger logger, CancellationToken cancellationToken)
    {
        var settings = new MySqlConnectionStringBuilder(connectionString);
        // Pooling off: the check's own session must not outlive it, or workers would inherit it.
        var probe = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5 };
        int waitTimeout, maxConnections;
        try
        {
            await using var connection = new MySqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT @@wait_timeout, @@max_connections", connection);
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            waitTimeout = Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            maxConnections = Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is MySqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            LogUnreachable(logger, ConnectionStringRedactor.Redact(connectionString), e.Message);
            return null;
        }

        var warnings = Evaluate(settings, workers, replicas, waitTimeout, maxConnections);
        foreach (string warning in warnings)
            LogWarning(logger, warning);
        if (warnings.Count == 0)
            LogFits(logger, settings.ConnectionIdleTimeout, ReaperInterval(settings.ConnectionIdleTimeout), waitTimeout,
                Budget(settings, workers, replicas), maxConnections);
        return new Result(waitTimeout, maxConnections, warnings, ConnectionBudget(settings, workers, replicas, maxConnections));
    }

    internal static List<string> Evaluate(MySqlConnectionStringBuilder settings, int workers, int replicas, int waitTimeout, int maxConnections)
    {
        var warnings = new List<string>();
        uint idle = settings.ConnectionIdleTimeout;
        if (idle == 0)
        {
            if (!settings.ConnectionReset)
                warnings.Add($"ConnectionIdleTimeout=0 never retires idle sessions and ConnectionReset=false does not check them: a session idle past the server's wait_timeout ({waitTimeout} s) fails its next query with a lost connection. Set ConnectionIdleTimeout below {Math.Max(1, waitTimeout - 1)} or keep ConnectionReset=true.");
        }
        else if (idle + ReaperInterval(idle) >= waitTimeout)
        {
            string consequence = settings.ConnectionReset
                ? "ConnectionReset=true will notice and reconnect, at the cost of a failed round trip"
                : "the next query on such a session fails with a lost connection";
            warnings.Add($"ConnectionIdleTimeout={idle} s plus the pool reaper's {ReaperInterval(idle)} s interval reaches the server's wait_timeout ({waitTimeout} s): idle sessions can be closed by the server first, and {consequence}. Use ConnectionIdleTimeout={SuggestIdleTimeout(waitTimeout)} or less.");
        }

        if (ConnectionBudget(settings, workers, replicas, maxConnections) is { } budget)
            warnings.Add(budget);
        return warnings;
    }

    /// <summary>The warning when every pool of every replica, full, plus the supervisors' own sessions, can exceed max_connections; else null.</summary>
    internal static string? ConnectionBudget(MySqlConnectionStringBuilder settings, int workers, int replicas, int maxConnections)
    {
        long worstCase = WorstCase(settings, workers, replicas);
        if (worstCase <= maxConnections)
            return null;
        long pools = (long)replicas * workers;
        long fitting = Math.Max(1, (maxConnections - (long)replicas * SupervisorSessions) / Math.Max(1, pools));
        return $"{Budget(settings, workers, replicas)} = {worstCase} connections can exceed the server's max_connections ({maxConnections}). "
            + $"Lower MaximumPoolSize to {fitting}, raise max_connections, or put ProxySQL between the app and the server: it multiplexes many client connections over a few server sessions.";
    }

    private static long WorstCase(MySqlConnectionStringBuilder settings, int workers, int replicas) =>
        (long)replicas * ((long)workers * settings.MaximumPoolSize + SupervisorSessions);

    /// <summary>"3 replicas × 4 workers × MaximumPoolSize=10 + 3 supervisor sessions"; the replicas only when there are several.</summary>
    private static string Budget(MySqlConnectionStringBuilder settings, int workers, int replicas)
    {
        int supervisorSessions = replicas * SupervisorSessions;
        return $"{(replicas > 1 ? $"{replicas} replicas × " : "")}{workers} workers × MaximumPoolSize={settings.MaximumPoolSize} + {supervisorSessions} supervisor session{(supervisorSessions == 1 ? "" : "s")}";
    }

    /// <summary>MySqlConnector's reaper period for an idle timeout (ConnectionPool.StartReaperTask).</summary>
    internal static uint ReaperInterval(uint idleTimeout) => Math.Max(1, Math.Min(60, idleTimeout / 2));

    /// <summary>The largest idle timeout whose reaping finishes before wait_timeout.</summary>
    internal static uint SuggestIdleTimeout(int waitTimeout)
    {
        for (uint idle = (uint)Math.Max(1, waitTimeout - 1); idle > 1; idle--)
        {
            if (idle + ReaperInterval(idle) < waitTimeout)
                return idle;
        }
        return 1;
    }

    [LoggerMessage(EventId = Logging.EventIds.PoolFitWarning, Level = LogLevel.Warning, Message = "Pool settings vs. the MySQL server: {Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(EventId = Logging.EventIds.PoolFitChecked, Level = LogLevel.Information,
        Message = "Pool settings fit the MySQL server: idle timeout {IdleTimeout} s + reaper {ReaperInterval} s < wait_timeout {WaitTimeout} s; {Budget} ≤ max_connections {MaxConnections}")]
    private static partial void LogFits(ILogger logger, uint idleTimeout, uint reaperInterval, int waitTimeout, string budget, int maxConnections);

    [LoggerMessage(EventId = Logging.EventIds.PoolFitUnreachable, Level = LogLevel.Warning,
        Message = "Cannot check pool settings against the MySQL server ({ConnectionString}): {Error}")]
    private static partial void LogUnreachable(ILogger logger, string connectionString, string error);
}
