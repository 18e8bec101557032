using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// A browser on the Comments sample: a cookie jar (the login cookie and the antiforgery cookie), redirects not
/// followed, and what its pages say: which worker served them, who is logged in, the forms' antiforgery token.
/// Posting a comment needs a login and a token, as in the tutorial: <see cref="LogInAsync"/> first.
/// </summary>
internal sealed partial class CommentsClient : IDisposable
{
    /// <summary>The sample's demo user (samples/Comments/appsettings.json).</summary>
    public const string DemoUser = "admin";

    public const string DemoPassword = "secret";

    private const string TokenField = "__RequestVerificationToken";

    private readonly HttpClient _client;
    private int _connections;

    /// <param name="cookies">Pass one jar to several clients to be one browser on several connections.</param>
    /// <param name="oneConnection">At most one connection at a time: while the server keeps it open, every request
    /// reaches the worker that holds it (<see cref="Connections"/> tells whether it did).</param>
    public CommentsClient(Uri address, CookieContainer? cookies = null, bool oneConnection = false)
    {
        Address = address;
        Cookies = cookies ?? new CookieContainer();
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = Cookies,
            UseCookies = true,
            MaxConnectionsPerServer = oneConnection ? 1 : int.MaxValue,
            ConnectCallback = ConnectAsync,
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri Address { get; }

    public CookieContainer Cookies { get; }

    /// <summary>The same client (cookies, no redirects), for requests of other kinds.</summary>
    public HttpClient Http => _client;

    /// <summary>How many connections this client has opened.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The antiforgery token of the last page that carried one; <see cref="PostCommentAsync"/> sends it by default.</summary>
    public string? Token { get; private set; }

    /// <summary>GET /login (the antiforgery cookie and token), POST the credentials; then the page must show the user.</summary>
    public async Task LogInAsync(string user = DemoUser, string password = DemoPassword)
    {
        CommentsPageView login = await GetPageAsync("/login");
        using HttpResponseMessage response = await _client.PostAsync("/login", new FormUrlEncodedContent(
            [new("username", user), new("password", password), new(TokenField, login.Token ?? throw new InvalidOperationException($"The login page has no antiforgery token:\n{login.Html}"))]));
        if (response.StatusCode != HttpStatusCode.Found || !IsHome(response.Headers.Location))
            throw new InvalidOperationException($"Logging in as {user} was answered HTTP {(int)response.StatusCode} {response.Headers.Location}:\n{await response.Content.ReadAsStringAsync()}");
        CommentsPageView page = await GetPageAsync();
        if (page.User != user)
            throw new InvalidOperationException($"Logged in as {user}, but worker {page.WorkerId} (pid {page.Pid}) shows {page.User ?? "nobody"} logged in.");
    }

    /// <summary>GET a page (the comments by default), which must answer 200.</summary>
    public async Task<CommentsPageView> GetPageAsync(string path = "/")
    {
        using HttpResponseMessage response = await _client.GetAsync(path);
        string html = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET {path}: HTTP {(int)response.StatusCode} {response.Headers.Location}\n{html}");
        CommentsPageView page = CommentsPageView.Parse(html, response.Headers.ConnectionClose == true);
        if (page.Token is not null)
            Token = page.Token;
        return page;
    }

    /// <summary>POST / with the comment and an antiforgery token (the last one seen by default). Transport errors are thrown.</summary>
    public async Task<CommentPost> PostCommentAsync(string content, string? token = null)
    {
        string sent = token ?? Token ?? throw new InvalidOperationException("No antiforgery token yet: log in (or get a page) first.");
        using HttpResponseMessage response = await _client.PostAsync("/", new FormUrlEncodedContent([new("contents", content), new(TokenField, sent)]));
        string body = response.StatusCode == HttpStatusCode.Found ? "" : await response.Content.ReadAsStringAsync();
        return new CommentPost(response.StatusCode, response.Headers.Location, response.Headers.ConnectionClose == true, body);
    }

    /// <summary>POST /logout with the last antiforgery token; it must redirect home.</summary>
    public async Task LogOutAsync()
    {
        using HttpResponseMessage response = await _client.PostAsync("/logout", new FormUrlEncodedContent([new(TokenField, Token ?? throw new InvalidOperationException("No antiforgery token yet."))]));
        if (response.StatusCode != HttpStatusCode.Found || !IsHome(response.Headers.Location))
            throw new InvalidOperationException($"Logging out was answered HTTP {(int)response.StatusCode} {response.Headers.Location}:\n{await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A redirect to the comments page (what a stored comment, a login and a logout answer), not to /login.</summary>
    public static bool IsHome(Uri? location) =>
        location is not null && (location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString) == "/";

    public void Dispose() => _client.Dispose();

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connections);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>What a Comments page says.</summary>
/// <param name="User">Who is logged in, as the page shows it; null when nobody is.</param>
/// <param name="Token">The forms' antiforgery token; null on a page without forms.</param>
/// <param name="ConnectionClosed">The response said <c>Connection: close</c> (a draining worker).</param>
internal sealed partial record CommentsPageView(int WorkerId, int Pid, string? User, string? Token, bool ConnectionClosed, string Html)
{
    public static CommentsPageView Parse(string html, bool connectionClosed)
    {
        Match servedBy = ServedBy().Match(html);
        if (!servedBy.Success)
            throw new InvalidOperationException($"Not a Comments page (no \"Served by\"):\n{html}");
        Match user = LoggedInUser().Match(html);
        Match token = AntiforgeryToken().Match(html);
        return new CommentsPageView(
            int.Parse(servedBy.Groups["worker"].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(servedBy.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture),
            user.Success ? WebUtility.HtmlDecode(user.Groups["user"].Value) : null,
            token.Success ? WebUtility.HtmlDecode(token.Groups["token"].Value) : null,
            connectionClosed,
            html);
    }

    [GeneratedRegex(@"Served by worker (?<worker>\d+) \(pid (?<pid>\d+)\)")]
    private static partial Regex ServedBy();

    [GeneratedRegex("""Logged in as <strong class="user">(?<user>[^<]*)</strong>""")]
    private static partial Regex LoggedInUser();

    [GeneratedRegex(@"name=""__RequestVerificationToken"" value=""(?<token>[^""]+)""")]
    private static partial Regex AntiforgeryToken();
}

/// <summary>How POST / was answered.</summary>
internal sealed record CommentPost(HttpStatusCode Status, Uri? Location, bool ConnectionClosed, string Body)
{
    /// <summary>Stored: the redirect home. A redirect to /login (not logged in) or a 400 (antiforgery) is not.</summary>
    public bool Stored => Status == HttpStatusCode.Found && CommentsClient.IsHome(Location);

    public override string ToString() => $"HTTP {(int)Status}{(Location is null ? "" : $" to {Location}")}{(Body.Length == 0 ? "" : $": {Body.Trim()}")}";
}
