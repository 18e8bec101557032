using ForkHost.Lab.MySql;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;

namespace ForkHost.Tests.MySql;

/// <summary>
/// One real MySQL server for every test in <see cref="MySqlCollection"/>, from the project's one provider:
/// FORKHOST_MYSQL if set, else Testcontainers where Docker answers, else a throwaway local MariaDB.
/// </summary>
public sealed class MySqlServerFixture : IAsyncLifetime
{
    private MySqlServer? _server;

    internal MySqlServer Server => _server ?? throw new InvalidOperationException("The MySQL fixture has not started.");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>The Comments sample's stored comments that start with <paramref name="marker"/>, read on a connection of its own.</summary>
    public async Task<HashSet<string>> StoredCommentsAsync(string marker)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT content FROM comments WHERE content LIKE @marker", connection);
        command.Parameters.AddWithValue("@marker", marker + "%");
        var stored = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            stored.Add(reader.GetString(0));
        return stored;
    }

    public async Task InitializeAsync() =>
        _server = await MySqlServerProvider.StartOrFindAsync(null, NullLogger.Instance, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
