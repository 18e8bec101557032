using System.Collections.Concurrent;
using ForkHost;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Comments;

/// <summary>
/// The worker's database access. Its own <see cref="MySqlDataSource"/> (a per-worker pool) is built in the worker,
/// after it starts — never in the supervisor. Sessions inherited from the supervisor (only under --inherit fork)
/// are handed out first, last-returned first, as a forked worker's copied SQLAlchemy pool would; a client-side
/// failure discards one (without a goodbye: COM_QUIT or shutdown() would end the session for every other holder),
/// as SQLAlchemy invalidates a connection on a disconnect error.
/// </summary>
public sealed partial class CommentsDatabase : IAsyncDisposable
{
    private readonly MySqlDataSource _dataSource;
    private readonly ConcurrentStack<InheritedCommentsSession> _inherited = new();
    private readonly ILogger<CommentsDatabase> _logger;

    public CommentsDatabase(string connectionString, IReadOnlyList<InheritedConnection> inheritedConnections, ILogger<CommentsDatabase> logger)
    {
        _logger = logger;
        _dataSource = new MySqlDataSourceBuilder(connectionString).Build();
        foreach (InheritedConnection connection in inheritedConnections.Where(c => c.Service == "mysql"))
        {
            _inherited.Push(new InheritedCommentsSession(InheritedMySqlSession.Open(connection)));
            LogInherited(logger, connection.ToString());
        }
    }

    public int InheritedSessions => _inherited.Count;

    public async Task<T> RunAsync<T>(Func<ICommentsSession, Task<T>> work, CancellationToken cancellationToken)
    {
        if (_inherited.TryPop(out InheritedCommentsSession? inherited))
        {
            bool keep = true;
            try
            {
                return await work(inherited);
            }
            catch (InheritedMySqlException e) when (e.IsClientError)
            {
                keep = false;
                LogDiscarded(_logger, e.ErrorNumber, e.Message);
                inherited.Session.Dispose();
                throw;
            }
            finally
            {
                if (keep)
                    _inherited.Push(inherited);
            }
        }

        await using MySqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var pooled = new PooledCommentsSession(connection);
        return await work(pooled);
    }

    /// <summary>SELECT 1 on a session of this worker's own pool, for the health check; never an inherited session.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using MySqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        while (_inherited.TryPop(out InheritedCommentsSession? inherited))
            inherited.Session.Dispose();
        await _dataSource.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Using a MySQL session inherited from the supervisor: {Connection}")]
    private static partial void LogInherited(ILogger logger, string connection);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discarding an inherited MySQL session after client error {ErrorNumber}: {Error}")]
    private static partial void LogDiscarded(ILogger logger, int errorNumber, string error);
}
