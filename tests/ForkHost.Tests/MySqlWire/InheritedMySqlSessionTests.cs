using System.Diagnostics;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.MySqlWire;

[Collection(MySqlCollection.Name)]
public sealed class InheritedMySqlSessionTests(MySqlServerFixture fixture)
{
    private static void AssertRow(string?[] actual, params string?[] expected) =>
        Assert.Equal<IEnumerable<string?>>(expected, actual);

    private static CancellationToken Timeout(int seconds = 30) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [Fact]
    public async Task Answers_queries_on_the_session_a_pooled_MySqlConnector_connection_left_open()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = InheritedMySqlSession.Open(pooled.Inherit());

        IReadOnlyList<string?[]> rows = await session.QueryAsync("SELECT 41+1", ct);

        string?[] row = Assert.Single(rows);
        AssertRow(row, "42");
        // The very session MySqlConnector authenticated, not a new one.
        Assert.Equal(pooled.ConnectionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Assert.Single(await session.QueryAsync("SELECT CONNECTION_ID()", ct))[0]);
    }

    [Fact]
    public async Task Returns_several_rows_and_columns_with_NULL_as_null()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited();

        InheritedMySqlResult result = await session.ExecuteAsync(
            "SELECT 1 AS n, 'one' AS word, NULL AS nothing UNION ALL SELECT 2, 'zwei €', 'x' UNION ALL SELECT 3, '', NULL", ct);

        Assert.Equal(3, result.ColumnCount);
        Assert.Equal(3, result.Rows.Count);
        AssertRow(result.Rows[0], "1", "one", null);
        AssertRow(result.Rows[1], "2", "zwei €", "x");
        AssertRow(result.Rows[2], "3", "", null);
        Assert.Empty(await session.QueryAsync("SELECT 1 FROM DUAL WHERE 1 = 0", ct));
    }

    [Fact]
    public async Task Reports_affected_rows_and_last_insert_id_of_statements_without_a_result_set()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited();

        InheritedMySqlResult create = await session.ExecuteAsync(
            "CREATE TEMPORARY TABLE wire_items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))", ct);
        InheritedMySqlResult firstInsert = await session.ExecuteAsync("INSERT INTO wire_items (name) VALUES ('a'), ('b')", ct);
        InheritedMySqlResult secondInsert = await session.ExecuteAsync("INSERT INTO wire_items (name) VALUES ('c')", ct);
        IReadOnlyList<string?[]> rows = await session.QueryAsync("SELECT id, name FROM wire_items ORDER BY id", ct);

        Assert.Equal(0, create.ColumnCount);
        Assert.Empty(create.Rows);
        Assert.Equal(2UL, firstInsert.AffectedRows);
        Assert.Equal(1UL, firstInsert.LastInsertId);
        Assert.Equal(1UL, secondInsert.AffectedRows);
        Assert.Equal(3UL, secondInsert.LastInsertId);
        Assert.Equal(3, rows.Count);
        AssertRow(rows[0], "1", "a");
        AssertRow(rows[1], "2", "b");
        AssertRow(rows[2], "3", "c");
    }

    [Fact]
    public async Task Server_errors_carry_the_servers_number_and_leave_the_session_usable()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited();

        var error = await Assert.ThrowsAsync<InheritedMySqlException>(() => session.QueryAsync("SELEC 1", ct));

        Assert.Equal(1064, error.ErrorNumber);
        Assert.Equal("42000", error.SqlState);
        Assert.False(error.IsClientError);
        Assert.Contains("SQL syntax", error.Message);
        Assert.True(session.IsUsable);
        AssertRow(Assert.Single(await session.QueryAsync("SELECT 2", ct)), "2");
    }

    [Fact]
    public async Task Ping_gets_OK()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited();

        await session.PingAsync(ct);
        await session.PingAsync(ct);

        AssertRow(Assert.Single(await session.QueryAsync("SELECT 3", ct)), "3");
    }

    [Fact]
    public async Task Disposing_a_session_does_not_end_it_for_the_other_holders()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        InheritedMySqlSession first = pooled.OpenInherited();
        using InheritedMySqlSession second = pooled.OpenInherited();
        AssertRow(Assert.Single(await first.QueryAsync("SELECT 1", ct)), "1");

        first.Dispose();

        AssertRow(Assert.Single(await second.QueryAsync("SELECT 2", ct)), "2");
        await second.PingAsync(ct);
        Assert.Equal(pooled.ConnectionId, await pooled.ReopenAndGetConnectionIdAsync(ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.QueryAsync("SELECT 1", ct));
    }

    [Fact]
    public async Task After_MySqlConnector_clears_its_pool_the_inherited_session_is_gone()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited();
        AssertRow(Assert.Single(await session.QueryAsync("SELECT 1", ct)), "1");

        // What a supervisor's app does on shutdown or on a pool reset: COM_QUIT, then shutdown(SHUT_RDWR), which acts on
        // the socket every worker holds. ClearPool is ClearAllPools limited to this test's pool.
        MySqlConnector.MySqlConnection.ClearPool(pooled.Connection);

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<InheritedMySqlException>(() => session.QueryAsync("SELECT 1", ct));
        stopwatch.Stop();

        Assert.True(error.IsClientError);
        Assert.Contains(error.ErrorNumber, new[] { InheritedMySqlException.ServerGone, InheritedMySqlException.ServerLost });
        Assert.True(stopwatch.Elapsed < session.ReadTimeout, $"took {stopwatch.Elapsed}: the failure should be immediate, not a timeout");
        Assert.False(session.IsUsable);
        var again = await Assert.ThrowsAsync<InheritedMySqlException>(() => session.PingAsync(ct));
        Assert.Equal(InheritedMySqlException.ServerGone, again.ErrorNumber);
    }

    [Fact]
    public async Task A_reply_that_does_not_come_in_time_fails_with_2013()
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        using InheritedMySqlSession session = pooled.OpenInherited(TimeSpan.FromMilliseconds(500));

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<InheritedMySqlException>(() => session.QueryAsync("SELECT SLEEP(3)", ct));
        stopwatch.Stop();

        Assert.Equal(InheritedMySqlException.ServerLost, error.ErrorNumber);
        Assert.True(error.IsClientError);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(2));
        // The late reply would be read as the answer to the next command, so the session refuses further commands.
        var next = await Assert.ThrowsAsync<InheritedMySqlException>(() => session.QueryAsync("SELECT 1", ct));
        Assert.Equal(InheritedMySqlException.ServerGone, next.ErrorNumber);
    }

    [Fact]
    public async Task Cancellation_stops_a_wait_and_abandons_the_session()
    {
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, Timeout());
        using InheritedMySqlSession session = pooled.OpenInherited();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => session.QueryAsync("SELECT SLEEP(3)", cancel.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.False(session.IsUsable);
    }

    [Theory]
    // Without DEPRECATE_EOF the client expects an EOF where the server sends the first row: 2014. Without MariaDB's
    // CACHE_METADATA it does not expect the metadata-follows byte MariaDB appends to the column count: 2027.
    [InlineData((ulong)ForkHost.Lab.MySqlWire.MySqlCapabilities.DeprecateEof, InheritedMySqlException.CommandsOutOfSync)]
    [InlineData((ulong)ForkHost.Lab.MySqlWire.MySqlCapabilities.MariaDbCacheMetadata, InheritedMySqlException.MalformedPacketError)]
    public async Task Capabilities_that_do_not_match_the_session_fail_loudly(ulong missing, int expectedError)
    {
        CancellationToken ct = Timeout();
        using PooledMySqlSession pooled = await PooledMySqlSession.OpenAsync(fixture.ConnectionString, ct);
        var wrong = pooled.Capabilities & ~(ForkHost.Lab.MySqlWire.MySqlCapabilities)missing;
        using var session = new InheritedMySqlSession(ForkHost.Channel.FileDescriptors.DuplicateCloseOnExec(pooled.Socket.Descriptor),
            wrong, tls: false, TimeSpan.FromSeconds(2));

        var error = await Record.ExceptionAsync(() => session.QueryAsync("SELECT 1, 2", ct));

        Assert.True(pooled.Capabilities.HasFlag((ForkHost.Lab.MySqlWire.MySqlCapabilities)missing), "the server did not negotiate the flag");
        var mysqlError = Assert.IsType<InheritedMySqlException>(error);
        Assert.True(mysqlError.IsClientError);
        Assert.Equal(expectedError, mysqlError.ErrorNumber);
    }
}
