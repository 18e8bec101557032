namespace Comments;

/// <summary>The failure classes of the seed page and of mysqlclient, named as the demo's table names them.</summary>
public enum DatabaseErrorClass
{
    /// <summary>2013: "Lost connection to MySQL server during query" (the server closed it, or a read never got its reply).</summary>
    LostConnection,
    /// <summary>2006: "MySQL server has gone away" (writing to a session that is already closed).</summary>
    ServerGone,
    /// <summary>2014: "Commands out of sync" / "Packet received out-of-order".</summary>
    OutOfSync,
    /// <summary>2027: "Malformed packet".</summary>
    MalformedPacket,
    /// <summary>No session could be had (pool exhausted, cannot connect).</summary>
    ConnectionNotAvailable,
    /// <summary>An error the server itself returned (bad SQL, a lock timeout…).</summary>
    Server,
    Other,
}
