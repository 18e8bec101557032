using ForkHost.Supervisor.Secrets;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Lab.MySql;

/// <summary>
/// The one way the tests, the demo and the benchmarks get a MySQL server: (1) a connection string given
/// (--mysql, else FORKHOST_MYSQL), used as is; (2) else, where a Docker engine answers, a Testcontainers MySQL;
/// (3) else a throwaway local mariadbd/mysqld. The error, when none is possible, says what to install or set.
/// </summary>
internal static class MySqlServerProvider
{
    public const string EnvironmentVariable = "FORKHOST_MYSQL";

    public static async Task<MySqlServer> StartOrFindAsync(string? connectionString, ILogger logger, CancellationToken cancellationToken, ThrowawayServerOptions? throwaway = null)
    {
        string source = "--mysql";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = Environment.GetEnvironmentVariable(EnvironmentVariable);
            source = EnvironmentVariable;
        }
        if (!string.IsNullOrWhiteSpace(connectionString))
            return await UseGivenAsync(connectionString, source, cancellationToken);

        if (await DockerEngine.AnswersAsync(cancellationToken))
            return await TestcontainersMySqlServer.StartAsync(cancellationToken);

        return await ThrowawayMariaDbServer.StartAsync(throwaway ?? new ThrowawayServerOptions(), logger, cancellationToken);
    }

    private static async Task<MySqlServer> UseGivenAsync(string connectionString, string source, CancellationToken cancellationToken)
    {
        MySqlConnectionStringBuilder settings;
        try
        {
            settings = new MySqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new MySqlServerUnavailableException($"{source} is not a valid MySQL connection string ({e.Message}): {ConnectionStringRedactor.Redact(connectionString)}");
        }

        var probe = new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5 };
        try
        {
            await using var connection = new MySqlConnection(probe.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            string host = settings.Server.Split(',')[0].Trim();
            return new MySqlServer(MySqlServerKind.Given, connectionString, host, (int)settings.Port,
                $"MySQL {connection.ServerVersion} at {host}:{settings.Port} (from {source})");
        }
        catch (MySqlException e)
        {
            throw new MySqlServerUnavailableException($"The MySQL server from {source} does not answer ({e.Message}): {ConnectionStringRedactor.Redact(connectionString)}", e);
        }
    }
}
