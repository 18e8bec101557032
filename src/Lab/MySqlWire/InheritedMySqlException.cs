namespace ForkHost;

/// <summary>
/// A command on an <see cref="InheritedMySqlSession"/> failed. Client-side failures use the numbers and messages of
/// the MySQL C client (2006, 2013, 2014, 2027), so they read like what a forked worker of a libmysqlclient-based
/// stack would log; errors the server reported carry the server's number and SQLSTATE.
/// </summary>
public sealed class InheritedMySqlException : Exception
{
    /// <summary>CR_SERVER_GONE_ERROR: a command could not be sent, or the session was abandoned earlier.</summary>
    public const int ServerGone = 2006;

    /// <summary>CR_SERVER_LOST: the reply did not arrive (end of stream, reset, or read timeout).</summary>
    public const int ServerLost = 2013;

    /// <summary>CR_COMMANDS_OUT_OF_SYNC: a packet arrived that the command's state does not allow (sequence id, type).</summary>
    public const int CommandsOutOfSync = 2014;

    /// <summary>CR_MALFORMED_PACKET: a packet could not be parsed.</summary>
    public const int MalformedPacketError = 2027;

    private InheritedMySqlException(int errorNumber, string? sqlState, bool isClientError, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorNumber = errorNumber;
        SqlState = sqlState;
        IsClientError = isClientError;
    }

    public int ErrorNumber { get; }

    /// <summary>The five-character SQLSTATE of a server error (e.g. "42000"), or null for client errors.</summary>
    public string? SqlState { get; }

    /// <summary>True when this client detected the failure; false when the server answered with an error packet.</summary>
    public bool IsClientError { get; }

    internal static InheritedMySqlException Gone(string detail, Exception? inner = null) =>
        new(ServerGone, null, true, $"MySQL server has gone away ({detail})", inner);

    internal static InheritedMySqlException Lost(string detail, Exception? inner = null) =>
        new(ServerLost, null, true, $"Lost connection to MySQL server during query ({detail})", inner);

    internal static InheritedMySqlException OutOfSync(string detail) =>
        new(CommandsOutOfSync, null, true, $"Commands out of sync; you can't run this command now ({detail})");

    internal static InheritedMySqlException PacketOutOfOrder(int expected, int actual) =>
        new(CommandsOutOfSync, null, true, $"Commands out of sync; you can't run this command now (packet sequence number wrong: expected {expected}, got {actual})");

    internal static InheritedMySqlException MalformedPacket(string detail) =>
        new(MalformedPacketError, null, true, $"Malformed packet ({detail})");

    internal static InheritedMySqlException FromServer(int errorNumber, string? sqlState, string message) =>
        new(errorNumber, sqlState, false, message);
}
