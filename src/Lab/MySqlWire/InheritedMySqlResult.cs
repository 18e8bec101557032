namespace ForkHost;

/// <summary>What one statement on an <see cref="InheritedMySqlSession"/> returned.</summary>
public sealed class InheritedMySqlResult(int columnCount, IReadOnlyList<string?[]> rows, ulong affectedRows, ulong lastInsertId, int warningCount)
{
    /// <summary>0 for a statement without a result set.</summary>
    public int ColumnCount { get; } = columnCount;

    /// <summary>The rows in the text protocol's form: every value a string, SQL NULL as null.</summary>
    public IReadOnlyList<string?[]> Rows { get; } = rows;

    /// <summary>From the OK packet. MySqlConnector negotiates CLIENT_FOUND_ROWS by default, so an UPDATE counts matched rows.</summary>
    public ulong AffectedRows { get; } = affectedRows;

    public ulong LastInsertId { get; } = lastInsertId;

    public int WarningCount { get; } = warningCount;
}
