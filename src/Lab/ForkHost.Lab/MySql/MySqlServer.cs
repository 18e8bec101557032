namespace ForkHost.Lab.MySql;

/// <summary>A MySQL server the tests, the demo or a benchmark can use; disposing stops it if it was started for them.</summary>
internal sealed class MySqlServer(MySqlServerKind kind, string connectionString, string host, int port, string description, Func<ValueTask>? stop = null, int? pid = null)
    : IAsyncDisposable
{
    public MySqlServerKind Kind { get; } = kind;

    /// <summary>Usable by MySqlConnector; names database "forkhost". Contains the password: never log it.</summary>
    public string ConnectionString { get; } = connectionString;

    public string Host { get; } = host;

    public int Port { get; } = port;

    /// <summary>For logs: what and where, never the password.</summary>
    public string Description { get; } = description;

    /// <summary>The server process, for a throwaway server.</summary>
    public int? Pid { get; } = pid;

    public ValueTask DisposeAsync() => stop?.Invoke() ?? ValueTask.CompletedTask;
}
