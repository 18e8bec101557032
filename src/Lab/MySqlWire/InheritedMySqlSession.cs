using System.Text;
using ForkHost.Channel;
using ForkHost.Lab.MySqlWire;

namespace ForkHost;

/// <summary>
/// A MySQL session this worker inherited from the supervisor, used the way a forked worker's copied connection pool
/// would hand it out: the session (authentication, current database, session variables, open transaction) is the
/// one the supervisor's driver established, and every other holder of the socket talks on it too.
/// </summary>
/// <remarks>
/// <para>Only text queries (COM_QUERY) and COM_PING are supported. Not thread-safe: callers serialize the commands
/// of one session (a second concurrent command throws <see cref="InvalidOperationException"/>). The I/O waits in
/// poll(2) on a thread-pool thread; cancellation is seen within about 100 ms.</para>
/// <para>Every read has a timeout (default 5 s): when another holder took the reply, the read fails with 2013
/// instead of hanging. After a client-side failure (2006, 2013, 2014, 2027) or a cancellation, the exchange is out
/// of step with the server, so the session refuses further commands with 2006, as libmysqlclient does after it
/// drops a connection. Errors the server reports (e.g. 1064) leave the session usable.</para>
/// <para>TLS: a session the supervisor's driver secured with TLS can't be used here, since the TLS state lives in
/// the supervisor's memory. Commands are still sent, in plaintext: the server takes them for a broken TLS record
/// and drops the connection, which surfaces as 2013 (or 2014/2027 if an alert arrives first), and the session is
/// then gone for every holder.</para>
/// <para><see cref="Dispose"/> closes only this session's descriptor: no COM_QUIT and no shutdown(2), either of
/// which would end the session for every other process holding it.</para>
/// </remarks>
public sealed class InheritedMySqlSession : IDisposable
{
    public static readonly TimeSpan DefaultReadTimeout = TimeSpan.FromSeconds(5);

    private const byte ComQuery = 0x03;
    private const byte ComPing = 0x0E;
    private const byte LocalInfileRequest = 0xFB;
    private static readonly byte[] ColumnDefinitionCatalog = [3, (byte)'d', (byte)'e', (byte)'f'];

    private readonly MySqlCapabilities _capabilities;
    private readonly MySqlPacketChannel _channel;
    private int _descriptor;
    private int _busy;
    private string? _abandonedBecause;

    /// <summary>Takes ownership of <paramref name="descriptor"/> (a connected socket carrying an authenticated session).</summary>
    internal InheritedMySqlSession(int descriptor, MySqlCapabilities negotiated, bool tls, TimeSpan readTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(descriptor);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(readTimeout, TimeSpan.Zero);
        if ((negotiated & MySqlCapabilities.Protocol41) == 0)
            throw new ArgumentException("Sessions without CLIENT_PROTOCOL_41 are not supported.", nameof(negotiated));

        _descriptor = descriptor;
        _capabilities = negotiated;
        UsesTls = tls;
        ReadTimeout = readTimeout;
        _channel = new MySqlPacketChannel(new MySqlRawTransport(descriptor), readTimeout);
    }

    /// <summary>
    /// Opens a session over a copy of <paramref name="connection"/>'s descriptor, using the capabilities the
    /// supervisor recorded in its properties. The connection keeps its own descriptor; disposing the session closes
    /// only the copy.
    /// </summary>
    public static InheritedMySqlSession Open(InheritedConnection connection, TimeSpan? readTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        (MySqlCapabilities capabilities, bool tls) = InheritedMySqlProperties.Read(connection.Properties);
        int copy = FileDescriptors.DuplicateCloseOnExec(connection.Descriptor);
        try
        {
            return new InheritedMySqlSession(copy, capabilities, tls, readTimeout ?? DefaultReadTimeout);
        }
        catch
        {
            FileDescriptors.Close(copy);
            throw;
        }
    }

    public TimeSpan ReadTimeout { get; }

    /// <summary>True when the supervisor's driver runs this session over TLS (see the remarks: unusable here).</summary>
    public bool UsesTls { get; }

    /// <summary>False once a client-side failure left the exchange out of step, or after disposal.</summary>
    public bool IsUsable => _abandonedBecause is null && _descriptor >= 0;

    /// <summary>Runs <paramref name="sql"/> and returns the rows of its result set (empty for a statement without one).</summary>
    public async Task<IReadOnlyList<string?[]>> QueryAsync(string sql, CancellationToken cancellationToken = default) =>
        (await ExecuteAsync(sql, cancellationToken).ConfigureAwait(false)).Rows;

    /// <summary>
    /// Runs <paramref name="sql"/> (COM_QUERY). With several statements, every result is read, to keep the session in
    /// step, and the first is returned.
    /// </summary>
    public Task<InheritedMySqlResult> ExecuteAsync(string sql, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return Task.Run(() => Run(() => Execute(sql, cancellationToken)), cancellationToken);
    }

    /// <summary>COM_PING: succeeds when the server answers with OK.</summary>
    public Task PingAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => Run(() => Ping(cancellationToken)), cancellationToken);

    public void Dispose()
    {
        int descriptor = Interlocked.Exchange(ref _descriptor, -1);
        if (descriptor >= 0)
            FileDescriptors.Close(descriptor);
    }

    private T Run<T>(Func<T> command)
    {
        ObjectDisposedException.ThrowIf(_descriptor < 0, this);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("Another command is running on this session; an InheritedMySqlSession is not thread-safe.");
        try
        {
            if (_abandonedBecause is not null)
                throw InheritedMySqlException.Gone($"this session was abandoned after an earlier failure: {_abandonedBecause}");
            return command();
        }
        catch (InheritedMySqlException e) when (e.IsClientError)
        {
            _abandonedBecause ??= $"error {e.ErrorNumber}";
            throw;
        }
        catch (OperationCanceledException)
        {
            _abandonedBecause ??= "a command was cancelled before its reply was read";
            throw;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private bool Ping(CancellationToken cancellationToken)
    {
        _channel.StartCommand();
        _channel.Write([ComPing], cancellationToken);
        byte[] reply = _channel.Read(cancellationToken);
        if (reply.Length == 0)
            throw InheritedMySqlException.MalformedPacket("empty reply to COM_PING");
        if (reply[0] == MySqlErrorPacket.Header)
            throw MySqlErrorPacket.Parse(reply, _capabilities);
        if (reply[0] != MySqlOkPacket.Header || reply.Length < MySqlOkPacket.MinimumLength)
            throw InheritedMySqlException.OutOfSync($"expected OK in reply to COM_PING, got a packet starting 0x{reply[0]:X2}");
        MySqlOkPacket.ParseOk(reply, _capabilities);
        return true;
    }

    private InheritedMySqlResult Execute(string sql, CancellationToken cancellationToken)
    {
        _channel.StartCommand();
        _channel.Write(BuildQuery(sql), cancellationToken);

        InheritedMySqlResult? first = null;
        while (true)
        {
            (InheritedMySqlResult result, bool more) = ReadResult(cancellationToken);
            first ??= result;
            if (!more)
                return first;
        }
    }

    private byte[] BuildQuery(string sql)
    {
        // With CLIENT_QUERY_ATTRIBUTES the command starts with the attribute count (0) and the parameter set count (1).
        bool attributes = (_capabilities & MySqlCapabilities.QueryAttributes) != 0;
        int prefix = attributes ? 3 : 1;
        byte[] payload = new byte[prefix + Encoding.UTF8.GetByteCount(sql)];
        payload[0] = ComQuery;
        if (attributes)
        {
            payload[1] = 0;
            payload[2] = 1;
        }

        Encoding.UTF8.GetBytes(sql, payload.AsSpan(prefix));
        return payload;
    }

    private (InheritedMySqlResult Result, bool More) ReadResult(CancellationToken cancellationToken)
    {
        byte[] first = _channel.Read(cancellationToken);
        if (first.Length == 0)
            throw InheritedMySqlException.MalformedPacket("empty reply to COM_QUERY");

        switch (first[0])
        {
            case MySqlErrorPacket.Header:
                throw MySqlErrorPacket.Parse(first, _capabilities);
            case MySqlOkPacket.Header when first.Length >= MySqlOkPacket.MinimumLength:
                MySqlOkPacket ok = MySqlOkPacket.ParseOk(first, _capabilities);
                return (new InheritedMySqlResult(0, [], ok.AffectedRows, ok.LastInsertId, ok.Warnings), ok.MoreResultsExist);
            case LocalInfileRequest:
                // LOAD DATA LOCAL: decline with an empty packet; the server then answers with OK or ERR.
                _channel.Write([], cancellationToken);
                return ReadResult(cancellationToken);
        }

        var reader = new MySqlPayloadReader(first);
        ulong columnCount = reader.ReadLengthEncodedInteger();
        bool metadataFollows = true;
        if ((_capabilities & MySqlCapabilities.MariaDbCacheMetadata) != 0 && !reader.AtEnd)
            metadataFollows = reader.ReadByte() != 0;
        if (!reader.AtEnd || columnCount == 0 || columnCount > ushort.MaxValue)
            throw InheritedMySqlException.MalformedPacket($"a column count packet of {first.Length} bytes");

        int columns = (int)columnCount;
        if (metadataFollows)
        {
            for (int i = 0; i < columns; i++)
            {
                byte[] definition = _channel.Read(cancellationToken);
                if (!definition.AsSpan().StartsWith(ColumnDefinitionCatalog))
                    throw InheritedMySqlException.OutOfSync($"expected column definition {i + 1} of {columns}, got a packet starting 0x{(definition.Length > 0 ? definition[0] : 0):X2}");
            }
        }

        bool deprecateEof = (_capabilities & MySqlCapabilities.DeprecateEof) != 0;
        if (!deprecateEof)
        {
            byte[] eof = _channel.Read(cancellationToken);
            if (!IsEof(eof))
                throw InheritedMySqlException.OutOfSync("expected EOF after the column definitions");
        }

        var rows = new List<string?[]>();
        while (true)
        {
            byte[] packet = _channel.Read(cancellationToken);
            if (packet.Length == 0)
                throw InheritedMySqlException.MalformedPacket("an empty row packet");
            if (packet[0] == MySqlErrorPacket.Header)
                throw MySqlErrorPacket.Parse(packet, _capabilities);

            if (deprecateEof && packet[0] == MySqlOkPacket.EofHeader && packet.Length < MySqlPacketChannel.MaxPayloadLength)
            {
                MySqlOkPacket end = MySqlOkPacket.ParseOk(packet, _capabilities);
                return (new InheritedMySqlResult(columns, rows, end.AffectedRows, end.LastInsertId, end.Warnings), end.MoreResultsExist);
            }

            if (!deprecateEof && IsEof(packet))
            {
                MySqlOkPacket end = MySqlOkPacket.ParseEof(packet);
                return (new InheritedMySqlResult(columns, rows, 0, 0, end.Warnings), end.MoreResultsExist);
            }

            rows.Add(ParseRow(packet, columns));
        }
    }

    private static string?[] ParseRow(byte[] packet, int columns)
    {
        var reader = new MySqlPayloadReader(packet);
        var values = new string?[columns];
        for (int i = 0; i < columns; i++)
            values[i] = reader.ReadLengthEncodedStringOrNull();
        if (!reader.AtEnd)
            throw InheritedMySqlException.MalformedPacket($"a row with {reader.Remaining} bytes after its {columns} values");
        return values;
    }

    private static bool IsEof(byte[] packet) =>
        packet.Length > 0 && packet[0] == MySqlOkPacket.EofHeader && packet.Length < MySqlOkPacket.EofMaximumLength;
}
