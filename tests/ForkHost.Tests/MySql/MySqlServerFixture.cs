namespace ForkHost.Tests.MySql;

// TEMPORARY stand-in, replaced at merge by the shared fixture another engineer is writing (same namespace, same
// public API). This one only reads the connection string of an already running server from FORKHOST_MYSQL.
public sealed class MySqlServerFixture
{
    public const string EnvironmentVariable = "FORKHOST_MYSQL";

    public MySqlServerFixture()
    {
        ConnectionString = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {EnvironmentVariable} to the connection string of a MySQL/MariaDB server for the tests.");
    }

    public string ConnectionString { get; }
}
