using ForkHost.Supervisor.MySql;
using Microsoft.Extensions.Logging.Abstractions;

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

    public async Task InitializeAsync() =>
        _server = await MySqlServerProvider.StartOrFindAsync(null, NullLogger.Instance, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
