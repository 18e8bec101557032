namespace Comments;

/// <summary>The one table of PythonAnywhere's Flask tutorial, and the queries over it.</summary>
internal static class Schema
{
    public const string CreateTable = """
        CREATE TABLE IF NOT EXISTS comments (
            id INT AUTO_INCREMENT PRIMARY KEY,
            content VARCHAR(4096) NOT NULL,
            posted TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """;

    public const string CountComments = "SELECT COUNT(*) FROM comments";

    public const string ListComments = "SELECT id, content, DATE_FORMAT(posted, '%Y-%m-%d %H:%i:%s') FROM comments ORDER BY id DESC LIMIT 100";

    /// <summary>The most a request may pad an echo with: large rows make interleaved reads more likely, as on the seed's servers.</summary>
    public const int MaxPad = 256 * 1024;
}
