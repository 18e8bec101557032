using MySqlConnector;

namespace Comments;

/// <summary>A session from the worker's own MySqlConnector pool: the fix.</summary>
internal sealed class PooledCommentsSession(MySqlConnection connection) : ICommentsSession, IAsyncDisposable
{
    public string Kind => "pool";

    public async Task<EchoRow> EchoAsync(long n, int pad, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("SELECT @n, CONNECTION_ID(), REPEAT('x', @pad)", connection);
        command.Parameters.AddWithValue("@n", n);
        command.Parameters.AddWithValue("@pad", pad);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException("The echo query returned no row.");
        return new EchoRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2).Length);
    }

    public async Task<IReadOnlyList<Comment>> ListCommentsAsync(CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(Schema.ListComments, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var comments = new List<Comment>();
        while (await reader.ReadAsync(cancellationToken))
            comments.Add(new Comment(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        return comments;
    }

    public async Task AddCommentAsync(string content, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("INSERT INTO comments (content) VALUES (@content)", connection);
        command.Parameters.AddWithValue("@content", content);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
