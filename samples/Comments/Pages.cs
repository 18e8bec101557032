using System.Net;
using System.Text;
using ForkHost;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Comments;

/// <summary>
/// The tutorial's templates: the page of comments (newest first, the form to add one for a logged-in user), the
/// login page and the error page, each linking /style.css and saying which worker served it. Every form carries
/// its antiforgery token.
/// </summary>
internal static class Pages
{
    /// <param name="tokens">The forms' antiforgery tokens; null when nobody is logged in (no forms).</param>
    public static string Comments(IReadOnlyList<Comment> comments, string? user, AntiforgeryTokenSet? tokens, WorkerContext context)
    {
        var body = new StringBuilder();
        if (user is null || tokens is null)
        {
            body.Append("<nav><a href=\"/login\">Log in</a> to post a comment.</nav>\n");
        }
        else
        {
            body.Append("<nav>Logged in as <strong class=\"user\">").Append(Encode(user)).Append("</strong>\n");
            body.Append("<form class=\"logout\" action=\"/logout\" method=\"POST\">").Append(TokenField(tokens))
                .Append("<input type=\"submit\" value=\"Log out\"></form></nav>\n");
            body.Append("<form class=\"comment\" action=\"/\" method=\"POST\">\n").Append(TokenField(tokens)).Append('\n').Append("""
                  <textarea name="contents" placeholder="Enter a comment" maxlength="4096" required></textarea>
                  <input type="submit" value="Post comment">
                </form>

                """);
        }
        body.Append("<ul class=\"comments\">\n");
        foreach (Comment comment in comments)
            body.Append("<li>").Append(Encode(comment.Content)).Append(" <small>").Append(Encode(comment.Posted)).Append("</small></li>\n");
        body.Append("</ul>\n");
        return Layout("Comments", body.ToString(), context);
    }

    /// <param name="query">The request's query string, kept in the form's action: the cookie handler redirects to its ReturnUrl after the login.</param>
    public static string Login(QueryString query, AntiforgeryTokenSet tokens, string? error, WorkerContext context)
    {
        var body = new StringBuilder();
        if (error is not null)
            body.Append("<p class=\"error\">").Append(Encode(error)).Append("</p>\n");
        body.Append("<form class=\"login\" action=\"").Append(Encode("/login" + query.ToUriComponent())).Append("\" method=\"POST\">\n")
            .Append(TokenField(tokens)).Append('\n').Append("""
              <label>Username <input name="username" autocomplete="username" required></label>
              <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
              <input type="submit" value="Log in">
            </form>
            <p><a href="/">Back to the comments</a></p>

            """);
        return Layout("Log in", body.ToString(), context);
    }

    public static string Error(WorkerContext context) =>
        Layout("Something went wrong", "<p class=\"error\">The server could not answer this request. It has been logged; please try again.</p>\n<p><a href=\"/\">Back to the comments</a></p>\n", context);

    private static string Layout(string title, string body, WorkerContext context) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Encode(title)}</title>
        <link rel="stylesheet" href="/style.css">
        </head>
        <body>
        <h1>{Encode(title)}</h1>
        {body}<footer>Served by worker {context.WorkerId} (pid {Environment.ProcessId})</footer>
        </body>
        </html>

        """;

    private static string TokenField(AntiforgeryTokenSet tokens) =>
        $"<input type=\"hidden\" name=\"{Encode(tokens.FormFieldName)}\" value=\"{Encode(tokens.RequestToken ?? "")}\">";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
