namespace Comments;

/// <summary>One database session, whichever kind the worker handed out: its own pooled one, or one it inherited.</summary>
public interface ICommentsSession
{
    /// <summary>"pool" or "inherited": which kind of session answered, reported with every response.</summary>
    string Kind { get; }

    /// <summary>SELECT n, CONNECTION_ID(), REPEAT('x', pad): the server computes the answer the client checks.</summary>
    Task<EchoRow> EchoAsync(long n, int pad, CancellationToken cancellationToken);

    Task<IReadOnlyList<Comment>> ListCommentsAsync(CancellationToken cancellationToken);

    Task AddCommentAsync(string content, CancellationToken cancellationToken);
}
