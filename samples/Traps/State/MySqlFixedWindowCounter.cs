using MySqlConnector;

namespace Traps.State;

/// <summary>
/// A fixed-window rate limit whose permits are counted in MySQL, so that N workers grant the configured number between
/// them, not N times it. Chosen over a <c>PartitionedRateLimiter</c> over the shared cache because a limiter must
/// count atomically: a cache's get-then-set lets two workers both read 9 and both grant the 10th permit. Here one
/// statement increments the window's row and hands back the value this request made
/// (<c>LAST_INSERT_ID(expr)</c> is per connection), so every request gets a distinct number and exactly
/// <see cref="PermitLimit"/> of them are at or below it.
/// </summary>
/// <remarks>Windows are aligned to the epoch (<c>unix time / window</c>), the same for every worker, so "one window" means the same span everywhere.</remarks>
internal sealed class MySqlFixedWindowCounter(string connectionString, int permitLimit, TimeSpan window, TimeProvider time)
{
    private const string Table = "traps_rate_limit";

    private const string CreateTable = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
          partition_key VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
          window_number BIGINT NOT NULL,
          permits INT NOT NULL,
          PRIMARY KEY (partition_key, window_number)
        )
        """;

    private const string Count = $"""
        INSERT INTO {Table} (partition_key, window_number, permits) VALUES (@key, @window, LAST_INSERT_ID(1))
        ON DUPLICATE KEY UPDATE permits = LAST_INSERT_ID(permits + 1);
        SELECT LAST_INSERT_ID();
        """;

    // Windows before the previous one can never be asked about again.
    private const string DeleteOld = $"DELETE FROM {Table} WHERE window_number < @window - 1";

    private volatile bool _tableExists;
    private long _lastCleanedWindow = -1;

    public int PermitLimit { get; } = permitLimit;
    public TimeSpan Window { get; } = window;

    /// <summary>Counts one request of <paramref name="partition"/> in the current window.</summary>
    /// <returns>Whether it is within the limit, and the window it was counted in.</returns>
    public async Task<(bool Granted, long Window)> TryAcquireAsync(string partition, CancellationToken cancellationToken)
    {
        long current = time.GetUtcNow().ToUnixTimeMilliseconds() / (long)Window.TotalMilliseconds;
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!_tableExists)
        {
            await using var create = new MySqlCommand(CreateTable, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            _tableExists = true;
        }
        await using var count = new MySqlCommand(Count, connection);
        count.Parameters.AddWithValue("@key", partition);
        count.Parameters.AddWithValue("@window", current);
        long permit = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);

        if (Interlocked.Exchange(ref _lastCleanedWindow, current) != current)
        {
            await using var cleanup = new MySqlCommand(DeleteOld, connection);
            cleanup.Parameters.AddWithValue("@window", current);
            await cleanup.ExecuteNonQueryAsync(cancellationToken);
        }
        return (permit <= PermitLimit, current);
    }
}
