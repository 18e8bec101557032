using System.IO;
using System.Net.Sockets;
using ForkHost;
using MySqlConnector;

namespace Comments;

/// <summary>
/// Maps what MySqlConnector and ForkHost's inherited-session client throw onto mysqlclient's error classes.
/// MySqlConnector has no 2xxx client error numbers: its failures surface as exception types.
/// </summary>
public static class DatabaseErrorClassifier
{
    public static DatabaseErrorClass Classify(Exception exception) => exception switch
    {
        InheritedMySqlException { IsClientError: true } e => e.ErrorNumber switch
        {
            2006 => DatabaseErrorClass.ServerGone,
            2013 => DatabaseErrorClass.LostConnection,
            2014 => DatabaseErrorClass.OutOfSync,
            2027 => DatabaseErrorClass.MalformedPacket,
            _ => DatabaseErrorClass.Other,
        },
        InheritedMySqlException => DatabaseErrorClass.Server,
        MySqlProtocolException => DatabaseErrorClass.OutOfSync,
        MySqlException { ErrorCode: MySqlErrorCode.UnableToConnectToHost } => DatabaseErrorClass.ConnectionNotAvailable,
        MySqlException { ErrorCode: MySqlErrorCode.ClientInteractionTimeout } => DatabaseErrorClass.LostConnection,
        // "Failed to read the result set." wrapping end of stream: the server closed an idle session.
        MySqlException { InnerException: IOException or SocketException or EndOfStreamException } => DatabaseErrorClass.LostConnection,
        MySqlException { ErrorCode: 0 } e when e.Message.Contains("Connect Timeout", StringComparison.OrdinalIgnoreCase) => DatabaseErrorClass.ConnectionNotAvailable,
        MySqlException { ErrorCode: > 0 and < (MySqlErrorCode)2000 } => DatabaseErrorClass.Server,
        MySqlException { ErrorCode: >= (MySqlErrorCode)4000 } => DatabaseErrorClass.Server,
        SocketException or IOException => DatabaseErrorClass.ServerGone,
        FormatException or InvalidCastException or IndexOutOfRangeException => DatabaseErrorClass.MalformedPacket,
        InvalidOperationException e when e.Message.Contains("connection", StringComparison.OrdinalIgnoreCase) => DatabaseErrorClass.ConnectionNotAvailable,
        InvalidOperationException => DatabaseErrorClass.MalformedPacket,
        _ => DatabaseErrorClass.Other,
    };

    /// <summary>The class as written in responses and in the demo's table: lost-connection, server-gone, …</summary>
    public static string Name(DatabaseErrorClass errorClass) => errorClass switch
    {
        DatabaseErrorClass.LostConnection => "lost-connection",
        DatabaseErrorClass.ServerGone => "server-gone",
        DatabaseErrorClass.OutOfSync => "out-of-sync",
        DatabaseErrorClass.MalformedPacket => "malformed-packet",
        DatabaseErrorClass.ConnectionNotAvailable => "not-available",
        DatabaseErrorClass.Server => "server-error",
        _ => "other",
    };
}
