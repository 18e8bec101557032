using System.Net.Sockets;

namespace ForkHost.Lab.MySqlWire;

/// <summary>
/// The server's initial handshake (protocol version 10). The supervisor reads it on a connection of its own to learn
/// which capabilities a pooled MySqlConnector session on the same server negotiated, since that session's handshake
/// happened inside MySqlConnector where nothing can see it.
/// </summary>
internal sealed class MySqlServerGreeting
{
    private const byte ProtocolVersion10 = 10;

    // MariaDB before 11 prefixes its version with this so that old replication clients accept it.
    private const string MariaDbReplicationPrefix = "5.5.5-";

    private MySqlServerGreeting(string serverVersion, uint connectionId, MySqlCapabilities capabilities, byte characterSet,
        MySqlServerStatus status, string? authPluginName)
    {
        ServerVersion = serverVersion;
        ConnectionId = connectionId;
        Capabilities = capabilities;
        CharacterSet = characterSet;
        Status = status;
        AuthPluginName = authPluginName;
    }

    /// <summary>The version as the server sent it, without MariaDB's "5.5.5-" prefix (as SELECT VERSION() shows it).</summary>
    public string ServerVersion { get; }

    /// <summary>The id of the greeting's own connection, not of any pooled session.</summary>
    public uint ConnectionId { get; }

    /// <summary>What the server offers, including MariaDB's extended flags in the upper 32 bits.</summary>
    public MySqlCapabilities Capabilities { get; }

    public byte CharacterSet { get; }

    public MySqlServerStatus Status { get; }

    public string? AuthPluginName { get; }

    public bool OffersTls => (Capabilities & MySqlCapabilities.Ssl) != 0;

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, reads the greeting and closes. The server counts
    /// the closed handshake as an aborted connect (a host-cache error towards max_connect_errors for non-loopback
    /// clients), so call it once per server, not per connection.
    /// </summary>
    public static async Task<MySqlServerGreeting> ReadAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
            byte[] header = new byte[4];
            await ReceiveExactlyAsync(socket, header, deadline.Token).ConfigureAwait(false);
            int length = header[0] | header[1] << 8 | header[2] << 16;
            byte[] payload = new byte[length];
            await ReceiveExactlyAsync(socket, payload, deadline.Token).ConfigureAwait(false);
            if (header[3] != 0)
                throw InheritedMySqlException.PacketOutOfOrder(0, header[3]);
            return Parse(payload);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No MySQL greeting from {host}:{port} within {timeout.TotalSeconds:0.###} s.");
        }
    }

    public static MySqlServerGreeting Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new MySqlPayloadReader(payload);
        byte protocolVersion = reader.PeekByte();
        // A server that refuses the client (too many connections, host blocked) sends ERR instead, without SQLSTATE.
        if (protocolVersion == MySqlErrorPacket.Header)
            throw MySqlErrorPacket.Parse(payload, MySqlCapabilities.None);
        reader.ReadByte();
        if (protocolVersion != ProtocolVersion10)
            throw InheritedMySqlException.MalformedPacket($"handshake protocol version {protocolVersion} is not supported");

        string version = reader.ReadNullTerminatedString();
        if (version.StartsWith(MariaDbReplicationPrefix, StringComparison.Ordinal))
            version = version[MariaDbReplicationPrefix.Length..];
        uint connectionId = reader.ReadUInt32();
        reader.Skip(8); // first part of the authentication scramble
        reader.Skip(1); // filler
        var capabilities = (MySqlCapabilities)reader.ReadUInt16();

        byte characterSet = 0;
        var status = MySqlServerStatus.None;
        string? authPluginName = null;
        if (!reader.AtEnd)
        {
            characterSet = reader.ReadByte();
            status = (MySqlServerStatus)reader.ReadUInt16();
            capabilities |= (MySqlCapabilities)((ulong)reader.ReadUInt16() << 16);
            int authDataLength = reader.ReadByte();
            reader.Skip(6);
            uint mariaDbCapabilities = reader.ReadUInt32();
            // MariaDB signals its extended flags by clearing CLIENT_LONG_PASSWORD (which it calls CLIENT_MYSQL).
            if ((capabilities & MySqlCapabilities.LongPassword) == 0)
                capabilities |= (MySqlCapabilities)((ulong)mariaDbCapabilities << 32);

            if ((capabilities & MySqlCapabilities.SecureConnection) != 0)
                reader.Skip(Math.Max(13, authDataLength - 8));
            if ((capabilities & MySqlCapabilities.PluginAuth) != 0 && !reader.AtEnd)
            {
                // Some servers omit the terminating NUL of the last field.
                ReadOnlySpan<byte> rest = reader.ReadRest();
                int end = rest.IndexOf((byte)0);
                authPluginName = System.Text.Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
            }
        }

        return new MySqlServerGreeting(version, connectionId, capabilities, characterSet, status, authPluginName);
    }

    /// <summary>
    /// The capabilities MySqlConnector 2.6 ends up with against this server, for the given connection-string
    /// options (the defaults are MySqlConnector's, with a database named).
    /// </summary>
    public MySqlCapabilities NegotiatedByMySqlConnector(bool withDatabase = true, bool useAffectedRows = false,
        bool allowLoadLocalInfile = false, bool interactiveSession = false, bool useCompression = false, bool sslModeNone = false) =>
        NegotiateLikeMySqlConnector(Capabilities, withDatabase, useAffectedRows, allowLoadLocalInfile, interactiveSession,
            useCompression, useTls: OffersTls && !sslModeNone);

    /// <summary>
    /// Mirrors HandshakeResponse41Payload in MySqlConnector 2.6.2: the flags it asks for, intersected with what the
    /// server offers (it does not ask for CLIENT_PREPARED_STATEMENT_MULTI_RESULTS nor MariaDB's COM_MULTI/bulk/
    /// extended type info in 2.6.2); MariaDB's extended flags only reach the server when the result lacks CLIENT_LONG_PASSWORD
    /// (they share the filler MySQL reserves). Checked against the library by reflection in the tests.
    /// </summary>
    internal static MySqlCapabilities NegotiateLikeMySqlConnector(MySqlCapabilities server, bool withDatabase,
        bool useAffectedRows, bool allowLoadLocalInfile, bool interactiveSession, bool useCompression, bool useTls)
    {
        MySqlCapabilities requested =
            MySqlCapabilities.Protocol41
            | MySqlCapabilities.LongPassword
            | MySqlCapabilities.Transactions
            | MySqlCapabilities.SecureConnection
            | MySqlCapabilities.PluginAuth
            | MySqlCapabilities.PluginAuthLengthEncodedClientData
            | MySqlCapabilities.MultiStatements
            | MySqlCapabilities.MultiResults
            | MySqlCapabilities.ConnectionAttributes
            | MySqlCapabilities.SessionTrack
            | MySqlCapabilities.DeprecateEof
            | MySqlCapabilities.QueryAttributes
            | MySqlCapabilities.MariaDbCacheMetadata
            | (withDatabase ? MySqlCapabilities.ConnectWithDatabase : 0)
            | (useAffectedRows ? 0 : MySqlCapabilities.FoundRows)
            | (allowLoadLocalInfile ? MySqlCapabilities.LocalFiles : 0)
            | (interactiveSession ? MySqlCapabilities.Interactive : 0)
            | (useCompression ? MySqlCapabilities.Compress : 0);

        MySqlCapabilities negotiated = requested & server;
        if ((negotiated & MySqlCapabilities.LongPassword) != 0)
            negotiated &= (MySqlCapabilities)uint.MaxValue;
        // MySqlConnector adds CLIENT_SSL outside the intersection (it only asks when the server offered it).
        return negotiated | (useTls ? MySqlCapabilities.Ssl : 0);
    }

    /// <summary>The <see cref="InheritedConnection.Properties"/> a worker needs to use a session on this server.</summary>
    public IReadOnlyDictionary<string, string> DescribeForInheritance(MySqlCapabilities? negotiated = null) =>
        InheritedMySqlProperties.Describe(negotiated ?? NegotiatedByMySqlConnector(), ServerVersion);

    private static async Task ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int received = 0;
        while (received < buffer.Length)
        {
            int count = await socket.ReceiveAsync(buffer[received..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (count == 0)
                throw InheritedMySqlException.Lost("at 'reading initial communication packet': the server closed the connection");
            received += count;
        }
    }
}
