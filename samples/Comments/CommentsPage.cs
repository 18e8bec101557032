using System.Net;
using System.Text;
using ForkHost;

namespace Comments;

/// <summary>The tutorial's page: the comments, newest first, and a form to add one.</summary>
internal static class CommentsPage
{
    public static string Render(IReadOnlyList<Comment> comments, WorkerContext context)
    {
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>Comments</title></head>
            <body>
            <h1>Comments</h1>
            <form action="/" method="POST">
              <textarea name="contents" placeholder="Enter a comment"></textarea>
              <input type="submit" value="Post comment">
            </form>
            <ul>
            """);
        foreach (Comment comment in comments)
            html.Append("<li>").Append(WebUtility.HtmlEncode(comment.Content)).Append(" <small>").Append(WebUtility.HtmlEncode(comment.Posted)).Append("</small></li>\n");
        html.Append("</ul>\n<p><small>Served by worker ").Append(context.WorkerId).Append(" (pid ").Append(Environment.ProcessId).Append(")</small></p>\n</body></html>\n");
        return html.ToString();
    }
}
