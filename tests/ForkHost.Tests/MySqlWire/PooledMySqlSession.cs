using System.Globalization;
using ForkHost.Channel;
using ForkHost.Lab.MySqlWire;
using ForkHost.Sockets;
using ForkHost.Supervisor.Sockets;
using MySqlConnector;

namespace ForkHost.Tests.MySqlWire;

/// <summary>
/// A MySqlConnector connection opened with default settings (pooling on), used once and closed back into its pool,
/// plus the descriptor of its socket found through <see cref="TcpSocketInventory"/>: what the supervisor holds after
/// an app's load step, and what it hands each worker. Every instance gets a pool of its own.
/// </summary>
internal sealed class PooledMySqlSession : IDisposable
{
    private readonly List<int> _copies = [];

    private PooledMySqlSession(MySqlConnection connection, long connectionId, OpenTcpSocket socket, MySqlServerGreeting greeting)
    {
        Connection = connection;
        ConnectionId = connectionId;
        Socket = socket;
        Greeting = greeting;
        Capabilities = greeting.NegotiatedByMySqlConnector(
            withDatabase: !string.IsNullOrEmpty(new MySqlConnectionStringBuilder(connection.ConnectionString).Database));
    }

    public MySqlConnection Connection { get; }

    public long ConnectionId { get; }

    public OpenTcpSocket Socket { get; }

    public MySqlServerGreeting Greeting { get; }

    public MySqlCapabilities Capabilities { get; }

    public static async Task<PooledMySqlSession> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString)
        {
            // A pool of our own, so clearing it touches nothing else.
            ApplicationName = "forkhost-wire-" + Guid.NewGuid().ToString("N"),
        };
        var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        long id;
        int clientPort;
        await using (var command = new MySqlCommand("SELECT CONNECTION_ID(), HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()", connection))
        await using (MySqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            Assert.True(await reader.ReadAsync(cancellationToken));
            id = reader.GetInt64(0);
            string host = reader.GetString(1);
            clientPort = int.Parse(host[(host.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        }

        await connection.CloseAsync();

        OpenTcpSocket socket = Assert.Single(TcpSocketInventory.List(),
            s => s.RemoteEndPoint.Port == (int)builder.Port && s.LocalEndPoint.Port == clientPort);
        Assert.Equal(TcpState.Established, socket.State);

        MySqlServerGreeting greeting = await MySqlServerGreeting.ReadAsync(builder.Server, (int)builder.Port, TimeSpan.FromSeconds(5), cancellationToken);
        return new PooledMySqlSession(connection, id, socket, greeting);
    }

    /// <summary>A worker's view: the pooled socket handed over as an <see cref="InheritedConnection"/> (our own dup).</summary>
    public InheritedConnection Inherit()
    {
        int copy = Duplicate();
        return new InheritedConnection(copy, Socket.LocalEndPoint.ToString(), Socket.RemoteEndPoint.ToString(),
            InheritedMySqlProperties.Service, Greeting.DescribeForInheritance(Capabilities));
    }

    /// <summary>A session over a fresh dup of the pooled socket.</summary>
    public InheritedMySqlSession OpenInherited(TimeSpan? readTimeout = null) =>
        new(FileDescriptors.DuplicateCloseOnExec(Socket.Descriptor), Capabilities, tls: false,
            readTimeout ?? InheritedMySqlSession.DefaultReadTimeout);

    public async Task<long> ReopenAndGetConnectionIdAsync(CancellationToken cancellationToken)
    {
        await Connection.OpenAsync(cancellationToken);
        try
        {
            await using var command = new MySqlCommand("SELECT CONNECTION_ID()", Connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        finally
        {
            await Connection.CloseAsync();
        }
    }

    public void Dispose()
    {
        FileDescriptors.CloseAll(_copies);
        // Ends the pooled session (COM_QUIT + shutdown), after every session over a dup is done with it.
        MySqlConnection.ClearPool(Connection);
        Connection.Dispose();
    }

    private int Duplicate()
    {
        int copy = FileDescriptors.DuplicateCloseOnExec(Socket.Descriptor);
        _copies.Add(copy);
        return copy;
    }
}
