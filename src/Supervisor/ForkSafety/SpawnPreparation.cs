using System.Net;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Generations;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>
/// Runs right before the supervisor spawns workers (once for all the slots it is about to fill), in this order: the
/// app's before-spawn hook, once per slot; with --dispose-before-spawn,
/// MySqlConnection.ClearAllPools() (the seed's <c>db.engine.dispose()</c>); the fork-safety audit of the TCP connections
/// the supervisor still holds; the strict-mode refusal; and, with --inherit fork, the list of those connections to
/// hand to the worker as fork(2) would.
/// </summary>
internal sealed partial class SpawnPreparation(
    GenerationSettings settings,
    ServedApp app,
    MySqlServerAddresses mySql,
    Func<HeldConnection, IReadOnlyDictionary<string, string>> describeMySqlSession,
    IPEndPoint? fleetEndPoint,
    ILogger<SpawnPreparation> logger) : ISpawnPreparation
{
    private bool _audited;

    public async Task<SpawnPlan> PrepareAsync(IReadOnlyList<int> slots, int generation)
    {
        foreach (int slot in slots)
        {
            try
            {
                await app.App.BeforeSpawnAsync(new SpawnContext(slot, generation, app.Configuration, logger), CancellationToken.None);
            }
            catch (Exception e)
            {
                return SpawnPlan.Refuse(ExitCodes.AppLoadFailed,
                    $"The app's before-spawn hook ({app.Type.FullName}.BeforeSpawnAsync) threw {e.GetType().Name}: {e.Message}");
            }
        }

        IReadOnlyList<HeldConnection> held = ForkSafetyAudit.Run(mySql, fleetEndPoint);
        bool report = settings.ForkSafety != ForkSafetyMode.Off && (!_audited || held.Count > 0);
        if (report)
            Report(held, disposed: false);

        if (settings.DisposeBeforeSpawn)
        {
            MySqlConnection.ClearAllPools();
            if (held.Count > 0)
            {
                held = ForkSafetyAudit.Run(mySql, fleetEndPoint);
                if (report)
                    LogAfterDispose(logger, held.Count, held.Count(c => c.IsMySql));
                if (report && held.Count > 0)
                    Report(held, disposed: true);
            }
        }
        _audited = true;

        if (settings.ForkSafety == ForkSafetyMode.Strict && held.Any(c => c.IsMySql))
        {
            var open = held.Where(c => c.IsMySql).ToList();
            return SpawnPlan.Refuse(ExitCodes.ForkSafetyRefused,
                $"--fork-safety strict: refusing to spawn: {Count(open.Count)} opened during app load {(open.Count == 1 ? "is" : "are")} still open ({string.Join("; ", open)}). "
                + "Keep --dispose-before-spawn on (the default), or close the connection in the app's BeforeSpawnAsync hook.");
        }

        if (settings.Inherit != InheritMode.Fork)
            return new SpawnPlan([]);
        return new SpawnPlan(held.Select(Describe).ToList());
    }

    private InheritedHandle Describe(HeldConnection connection) => new(
        new HandleDescription(
            HandleKind.InheritedConnection,
            LocalEndPoint: connection.Socket.LocalEndPoint.ToString(),
            RemoteEndPoint: connection.Socket.RemoteEndPoint.ToString(),
            Service: connection.IsMySql ? "mysql" : null,
            Properties: connection.IsMySql ? describeMySqlSession(connection) : null),
        connection.Socket.Descriptor);

    private void Report(IReadOnlyList<HeldConnection> held, bool disposed)
    {
        if (held.Count == 0)
        {
            LogClean(logger);
            return;
        }
        foreach (HeldConnection connection in held)
            LogConnection(logger, connection.ToString());

        int mySqlCount = held.Count(c => c.IsMySql);
        string Fate(int count) => settings.Inherit == InheritMode.Fork
            ? $"{(count == 1 ? "is" : "are")} handed to every worker (--inherit fork)"
            : "would be shared by every worker";
        if (mySqlCount > 0)
            LogMySqlShared(logger, $"{Count(mySqlCount)} opened during app load {Fate(mySqlCount)}", disposed ? "ClearAllPools() did not close it: close it in the app's BeforeSpawnAsync hook" : settings.DisposeBeforeSpawn ? "disposing the pools now (--dispose-before-spawn)" : "enable --dispose-before-spawn, or close it in the app's BeforeSpawnAsync hook");
        if (held.Count > mySqlCount)
            LogOtherShared(logger, held.Count - mySqlCount, Fate(held.Count - mySqlCount));
    }

    private static string Count(int mySqlConnections) =>
        mySqlConnections == 1 ? "1 MySQL connection" : $"{mySqlConnections} MySQL connections";

    [LoggerMessage(EventId = Logging.EventIds.ForkSafetyAudit, Level = LogLevel.Information,
        Message = "Fork-safety audit: no connection besides the listeners would be shared with workers")]
    private static partial void LogClean(ILogger logger);

    [LoggerMessage(EventId = Logging.EventIds.ForkSafetyConnection, Level = LogLevel.Warning,
        Message = "Fork-safety audit: the supervisor holds {Connection}")]
    private static partial void LogConnection(ILogger logger, string connection);

    [LoggerMessage(EventId = Logging.EventIds.ForkSafetyShared, Level = LogLevel.Warning,
        Message = "Fork-safety audit: {Finding}; {Advice}")]
    private static partial void LogMySqlShared(ILogger logger, string finding, string advice);

    [LoggerMessage(EventId = Logging.EventIds.ForkSafetyShared, Level = LogLevel.Warning,
        Message = "Fork-safety audit: {Count} other TCP connections {Fate}")]
    private static partial void LogOtherShared(ILogger logger, int count, string fate);

    [LoggerMessage(EventId = Logging.EventIds.ForkSafetyDisposed, Level = LogLevel.Information,
        Message = "Disposed MySqlConnector pools before spawning: {Remaining} connections remain, {RemainingMySql} of them MySQL")]
    private static partial void LogAfterDispose(ILogger logger, int remaining, int remainingMySql);
}
