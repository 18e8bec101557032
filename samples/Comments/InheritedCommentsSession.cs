using System.Globalization;
using ForkHost;
using MySqlConnector;

namespace Comments;

/// <summary>
/// A session the worker inherited from the supervisor, used as a forked worker's copied pool would hand it out.
/// The inherited-session client speaks only the text protocol, so values are escaped into the SQL.
/// </summary>
internal sealed class InheritedCommentsSession(InheritedMySqlSession session) : ICommentsSession
{
    public InheritedMySqlSession Session { get; } = session;

    public string Kind => "inherited";

    public async Task<EchoRow> EchoAsync(long n, int pad, CancellationToken cancellationToken)
    {
        var rows = await Session.QueryAsync(
            string.Create(CultureInfo.InvariantCulture, $"SELECT {n}, CONNECTION_ID(), REPEAT('x', {pad})"), cancellationToken);
        if (rows.Count != 1 || rows[0].Length != 3)
            throw new InvalidOperationException($"The echo query returned {rows.Count} rows; a desynchronised session answers another query's result.");
        string?[] row = rows[0];
        return new EchoRow(
            long.Parse(row[0]!, CultureInfo.InvariantCulture),
            long.Parse(row[1]!, CultureInfo.InvariantCulture),
            row[2]?.Length ?? 0);
    }

    public async Task<IReadOnlyList<Comment>> ListCommentsAsync(CancellationToken cancellationToken)
    {
        var rows = await Session.QueryAsync(Schema.ListComments, cancellationToken);
        return rows.Select(r => new Comment(long.Parse(r[0]!, CultureInfo.InvariantCulture), r[1] ?? "", r[2] ?? "")).ToList();
    }

    public Task AddCommentAsync(string content, CancellationToken cancellationToken) =>
        Session.ExecuteAsync($"INSERT INTO comments (content) VALUES ('{MySqlHelper.EscapeString(content)}')", cancellationToken);
}
