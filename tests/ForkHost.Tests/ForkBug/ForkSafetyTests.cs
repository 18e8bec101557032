using System.Net.Http.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;
using MySqlConnector;

namespace ForkHost.Tests.ForkBug;

/// <summary>The audit, strict mode and inherited sessions, against the real supervisor and the real server.</summary>
[Collection(MySqlCollection.Name)]
public sealed class ForkSafetyTests(MySqlServerFixture mySql)
{
    private Dictionary<string, string> Environment => new() { ["FORKHOST_MYSQL"] = mySql.ConnectionString };

    [Fact]
    public async Task The_audit_names_the_connection_the_load_step_left_open_then_disposes_it()
    {
        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.CommentsApp, "--workers", "2", "--bind", "127.0.0.1:0"], Environment);
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent connection = await forkhost.WaitForEventAsync(EventIds.ForkSafetyConnection);
        Assert.EndsWith($"127.0.0.1:{mySql.Server.Port} (the app's MySQL server)", connection.String("Connection"));
        SupervisorLogEvent finding = await forkhost.WaitForEventAsync(EventIds.ForkSafetyShared);
        Assert.StartsWith("1 MySQL connection opened during app load would be shared by every worker", finding.String("Finding"));
        SupervisorLogEvent disposed = await forkhost.WaitForEventAsync(EventIds.ForkSafetyDisposed);
        Assert.Equal(0, disposed.Int("Remaining"));
        Assert.DoesNotContain("Password=", forkhost.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Strict_mode_refuses_to_spawn_while_a_database_connection_is_open_and_names_the_fix()
    {
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "2", "--bind", "127.0.0.1:0", "--fork-safety", "strict", "--dispose-before-spawn=false"], Environment);

        Assert.Equal(5, await forkhost.WaitForExitAsync());
        SupervisorLogEvent halt = Assert.Single(forkhost.EventsWithId(EventIds.Halting));
        Assert.Contains("refusing to spawn: 1 MySQL connection opened during app load is still open", halt.String("Reason"));
        Assert.Contains($"127.0.0.1:{mySql.Server.Port}", halt.String("Reason"));
        Assert.Contains("--dispose-before-spawn", halt.String("Reason"));
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
    }

    [Fact]
    public async Task Strict_mode_with_dispose_before_spawn_spawns_normally()
    {
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "1", "--bind", "127.0.0.1:0", "--fork-safety", "strict"], Environment);
        await forkhost.WaitForAllReadyAsync();
        Assert.Empty(forkhost.EventsWithId(EventIds.Halting));
    }

    [Fact]
    public async Task A_worker_exiting_never_ends_the_inherited_session_for_the_other_holders()
    {
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "2", "--bind", "127.0.0.1:0", "--inherit", "fork", "--dispose-before-spawn=false"], Environment);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();

        // One request at a time: no interference, so every worker's first answer on the inherited session is right.
        var sessionByWorker = new Dictionary<int, long>();
        for (long n = 1; sessionByWorker.Count < 2 && n < 500; n++)
        {
            EchoAnswer echo = await EchoAsync(client, address, n);
            if (echo.Session == "inherited")
                sessionByWorker[echo.Pid] = echo.ConnectionId!.Value;
        }
        Assert.Equal(2, sessionByWorker.Count);
        long shared = Assert.Single(sessionByWorker.Values.Distinct());

        // The first worker stops gracefully (its app disposes everything it holds), the second carries on.
        int leaving = sessionByWorker.Keys.First();
        int staying = sessionByWorker.Keys.Last();
        Assert.Equal(0, Interop.Libc.Kill(leaving, Interop.Libc.SIGTERM));
        await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(leaving), TimeSpan.FromSeconds(10), "the worker exited");

        Assert.True(await SessionExistsAsync(shared), $"the server no longer lists session {shared}");
        EchoAnswer after = default!;
        for (long n = 1000; n < 1500; n++)
        {
            after = await EchoAsync(client, address, n);
            if (after.Pid == staying && after.Session == "inherited")
                break;
        }
        Assert.Equal(staying, after.Pid);
        Assert.Equal("inherited", after.Session);
        Assert.Equal(shared, after.ConnectionId);
        Assert.Null(after.Error);
    }

    private static async Task<EchoAnswer> EchoAsync(HttpClient client, Uri address, long n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, $"/echo?n={n}"));
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request);
        EchoAnswer echo = (await response.Content.ReadFromJsonAsync<EchoAnswer>())!;
        Assert.True(echo.Error is null && echo.Echo == n, $"request {n}: {echo}");
        return echo;
    }

    private async Task<bool> SessionExistsAsync(long connectionId)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(mySql.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {connectionId}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync()) == 1;
    }

    private sealed record EchoAnswer(long N, long? Echo, long? ConnectionId, int? Pad, string Session, int Pid, int WorkerId, string? Error, string? Message);
}
