using Microsoft.Extensions.Caching.Distributed;
using MySqlConnector;

namespace Traps.State;

/// <summary>
/// An <see cref="IDistributedCache"/> over the app's MySQL server: one table that every worker reads and writes, so a
/// session one worker created is there for the next. Written here, not taken from a package, because no maintained
/// MySQL IDistributedCache is served to this build (Pomelo.Extensions.Caching.MySql is not); it is about a hundred
/// lines over MySqlConnector, which the app already uses.
/// </summary>
/// <remarks>
/// Expiry follows Microsoft's SQL Server cache: an entry has an absolute deadline, a sliding window, or both (the
/// earlier wins); one with neither gets <see cref="DefaultSlidingExpiration"/>. Times are the app's UTC clock, sent as
/// parameters, so the server's time zone does not matter. Expired rows are never returned, and are deleted at most
/// every <see cref="CleanupInterval"/> by whichever worker writes next.
/// </remarks>
internal sealed class MySqlDistributedCache(string connectionString, TimeProvider time) : IDistributedCache
{
    public static readonly TimeSpan DefaultSlidingExpiration = TimeSpan.FromMinutes(20);
    public static readonly TimeSpan CleanupInterval = TimeSpan.FromMinutes(5);
    private const string Table = "traps_distributed_cache";

    // 449 characters of utf8mb4 fit the 1767-byte key limit of an older InnoDB; session keys are 36.
    private const string CreateTable = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
          id VARCHAR(449) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
          value LONGBLOB NOT NULL,
          expires_at DATETIME(6) NOT NULL,
          sliding_microseconds BIGINT NULL,
          absolute_expires_at DATETIME(6) NULL,
          KEY expires_at (expires_at)
        )
        """;

    private const string SelectValue = $"SELECT value FROM {Table} WHERE id = @id AND expires_at > @now";

    // A sliding entry moves its deadline on, never beyond its absolute one.
    private const string Slide = $"""
        UPDATE {Table} SET expires_at = CASE
            WHEN absolute_expires_at IS NULL THEN DATE_ADD(@now, INTERVAL sliding_microseconds MICROSECOND)
            ELSE LEAST(absolute_expires_at, DATE_ADD(@now, INTERVAL sliding_microseconds MICROSECOND)) END
        WHERE id = @id AND expires_at > @now AND sliding_microseconds IS NOT NULL
        """;

    private const string Upsert = $"""
        INSERT INTO {Table} (id, value, expires_at, sliding_microseconds, absolute_expires_at)
        VALUES (@id, @value, @expires, @sliding, @absolute)
        ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at),
            sliding_microseconds = VALUES(sliding_microseconds), absolute_expires_at = VALUES(absolute_expires_at)
        """;

    private const string Delete = $"DELETE FROM {Table} WHERE id = @id";
    private const string DeleteExpired = $"DELETE FROM {Table} WHERE expires_at <= @now";

    private volatile bool _tableExists;
    private long _nextCleanup;

    // The synchronous members wait for the asynchronous ones: ASP.NET Core's session uses only LoadAsync/CommitAsync,
    // and one code path is one set of bugs.
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await using MySqlConnection connection = await OpenAsync(token);
        DateTime now = Now;
        await using var select = Command(connection, SelectValue, ("@id", key), ("@now", now));
        if (await select.ExecuteScalarAsync(token) is not byte[] value)
            return null;
        await using var slide = Command(connection, Slide, ("@id", key), ("@now", now));
        await slide.ExecuteNonQueryAsync(token);
        return value;
    }

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        await using MySqlConnection connection = await OpenAsync(token);
        await using var slide = Command(connection, Slide, ("@id", key), ("@now", Now));
        await slide.ExecuteNonQueryAsync(token);
    }

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await using MySqlConnection connection = await OpenAsync(token);
        await using var delete = Command(connection, Delete, ("@id", key));
        await delete.ExecuteNonQueryAsync(token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        DateTime now = Now;
        DateTime? absolute = options.AbsoluteExpiration?.UtcDateTime
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : null);
        if (absolute <= now)
            throw new ArgumentOutOfRangeException(nameof(options), absolute, "The absolute expiration is in the past.");
        TimeSpan? sliding = options.SlidingExpiration ?? (absolute is null ? DefaultSlidingExpiration : null);
        DateTime expires = sliding is { } window && (absolute is null || now + window < absolute) ? now + window : absolute!.Value;

        await using MySqlConnection connection = await OpenAsync(token);
        await using var upsert = Command(connection, Upsert,
            ("@id", key), ("@value", value), ("@expires", expires),
            ("@sliding", sliding is { } s ? (long)(s.TotalMicroseconds) : null), ("@absolute", absolute));
        await upsert.ExecuteNonQueryAsync(token);
        await DeleteExpiredIfDueAsync(connection, now, token);
    }

    private async Task DeleteExpiredIfDueAsync(MySqlConnection connection, DateTime now, CancellationToken token)
    {
        long due = Interlocked.Read(ref _nextCleanup);
        // One worker thread wins the interval; the others go on.
        if (now.Ticks < due || Interlocked.CompareExchange(ref _nextCleanup, (now + CleanupInterval).Ticks, due) != due)
            return;
        await using var cleanup = Command(connection, DeleteExpired, ("@now", now));
        await cleanup.ExecuteNonQueryAsync(token);
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private async Task<MySqlConnection> OpenAsync(CancellationToken token)
    {
        var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(token);
        if (!_tableExists)
        {
            // Idempotent on the server, so workers racing here at start are harmless.
            await using var create = Command(connection, CreateTable);
            await create.ExecuteNonQueryAsync(token);
            _tableExists = true;
        }
        return connection;
    }

    private static MySqlCommand Command(MySqlConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new MySqlCommand(sql, connection);
        foreach ((string name, object? value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
