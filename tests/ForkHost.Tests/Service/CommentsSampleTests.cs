using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;
using MySqlConnector;

namespace ForkHost.Tests.Service;

/// <summary>
/// The Comments sample as a browser meets it, under the real supervisor: ASP.NET Core's cookie login, antiforgery on
/// every form, the stylesheet from wwwroot/, compression of the pages only, the health check and the error page; and
/// the demo's /echo and /plain answering as they always did.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class CommentsSampleTests(MySqlServerFixture mySql) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("forkhost-comments-state-").FullName;

    [Fact]
    public async Task Only_a_logged_in_user_with_the_forms_antiforgery_token_posts_and_the_password_is_never_logged()
    {
        await using SupervisorProcess forkhost = Start(mySql.ConnectionString);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        string marker = $"sample-{Guid.NewGuid():N}";
        string wrongPassword = $"wrong-{Guid.NewGuid():N}";

        // Anyone reads; the page has no form, so no antiforgery cookie yet.
        using var anonymous = new CommentsClient(address);
        using (HttpResponseMessage page = await anonymous.Http.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            string html = await page.Content.ReadAsStringAsync();
            Assert.Contains("""<link rel="stylesheet" href="/style.css">""", html);
            Assert.Contains("""<a href="/login">Log in</a>""", html);
            Assert.DoesNotContain("<form", html);
            Assert.False(page.Headers.Contains("Set-Cookie"));
        }
        CommentPost anonymousPost = await anonymous.PostCommentAsync($"{marker}-anonymous", "no-token");
        Assert.True(anonymousPost.Status == HttpStatusCode.Found && anonymousPost.Location?.PathAndQuery == "/login?ReturnUrl=%2F", $"anonymous POST /: {anonymousPost}");

        // The login form: a wrong password or an unknown user gets the form again; no token is a 400.
        string loginToken = (await anonymous.GetPageAsync("/login")).Token!;
        foreach ((string user, string password) in new[] { (CommentsClient.DemoUser, wrongPassword), ("nobody-here", wrongPassword) })
        {
            using HttpResponseMessage refused = await anonymous.Http.PostAsync("/login", Form(("username", user), ("password", password), ("__RequestVerificationToken", loginToken)));
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("Invalid username or password.", await refused.Content.ReadAsStringAsync());
        }
        using (HttpResponseMessage noToken = await anonymous.Http.PostAsync("/login", Form(("username", CommentsClient.DemoUser), ("password", CommentsClient.DemoPassword))))
            Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Null((await anonymous.GetPageAsync()).User);

        // After the login, the cookie handler goes to a local ReturnUrl, and home for any other.
        Assert.Equal("/plain", await LogInAsync(address, "?ReturnUrl=%2Fplain"));
        Assert.Equal("/", await LogInAsync(address, "?ReturnUrl=https%3A%2F%2Fevil.example%2F"));

        using var browser = new CommentsClient(address);
        await browser.LogInAsync();
        string anonymousToken = loginToken;
        CommentPost withoutToken = await browser.PostCommentAsync($"{marker}-no-token", "");
        CommentPost withAnonymousToken = await browser.PostCommentAsync($"{marker}-anonymous-token", anonymousToken);
        Assert.True(withoutToken.Status == HttpStatusCode.BadRequest, $"POST / without a token: {withoutToken}");
        Assert.True(withAnonymousToken.Status == HttpStatusCode.BadRequest, $"POST / with the token of a page served before the login: {withAnonymousToken}");
        CommentPost tooLong = await browser.PostCommentAsync(new string('x', 4097));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        CommentPost stored = await browser.PostCommentAsync($"{marker} <b>bold</b>");
        Assert.True(stored.Stored, $"POST / logged in, with the page's token: {stored}");
        Assert.Contains($"<li>{marker} &lt;b&gt;bold&lt;/b&gt; <small>", (await browser.GetPageAsync()).Html);

        // Logging out is a form too.
        using (HttpResponseMessage noTokenLogout = await browser.Http.PostAsync("/logout", Form()))
            Assert.Equal(HttpStatusCode.BadRequest, noTokenLogout.StatusCode);
        Assert.Equal(CommentsClient.DemoUser, (await browser.GetPageAsync()).User);
        await browser.LogOutAsync();
        Assert.Null((await browser.GetPageAsync()).User);

        Assert.Equal($"{marker} <b>bold</b>", Assert.Single(await mySql.StoredCommentsAsync(marker)));
        Assert.Contains(forkhost.Events, e => e.Message == "User admin logged in");
        Assert.Contains(forkhost.Events, e => e.Message == "Failed login for user admin: wrong password");
        Assert.Contains(forkhost.Events, e => e.Message == "Failed login for a user name that is not configured");
        Assert.DoesNotContain(wrongPassword, forkhost.Stdout + forkhost.Stderr);
    }

    [Fact]
    public async Task The_stylesheet_and_the_pages_are_compressed_and_echo_and_plain_answer_as_before()
    {
        await using SupervisorProcess forkhost = Start(mySql.ConnectionString);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        // No automatic decompression: the test sees what went over the wire.
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        using (HttpResponseMessage css = await client.GetAsync("/style.css"))
        {
            Assert.Equal(HttpStatusCode.OK, css.StatusCode);
            Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
            Assert.Equal(File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepositoryPaths.CommentsApp)!, "wwwroot", "style.css")), await css.Content.ReadAsStringAsync());
        }
        Assert.Equal("gzip", await EncodingOfAsync(client, "/style.css", "gzip"));
        Assert.Equal("br", await EncodingOfAsync(client, "/", "br, gzip"));
        Assert.Equal("gzip", await EncodingOfAsync(client, "/login", "gzip"));
        Assert.Null(await EncodingOfAsync(client, "/plain", "br, gzip"));

        using var echoRequest = new HttpRequestMessage(HttpMethod.Get, "/echo?n=42&pad=3");
        echoRequest.Headers.AcceptEncoding.ParseAdd("br, gzip");
        using HttpResponseMessage echo = await client.SendAsync(echoRequest);
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Empty(echo.Content.Headers.ContentEncoding);
        using JsonDocument answer = JsonDocument.Parse(await echo.Content.ReadAsStringAsync());
        Assert.Equal(42, answer.RootElement.GetProperty("echo").GetInt64());
        Assert.Equal("pool", answer.RootElement.GetProperty("session").GetString());
        Assert.Contains(answer.RootElement.GetProperty("pid").GetInt32(), forkhost.WorkerPids());
    }

    [Fact]
    public async Task With_the_database_gone_healthz_is_503_the_page_is_the_error_page_and_echo_keeps_its_json_error()
    {
        await using var link = await DatabaseLink.StartAsync(mySql.ConnectionString);
        await using SupervisorProcess forkhost = Start(link.ConnectionString);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetTextAsync(client, "/healthz"));
        link.Cut();
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetTextAsync(client, "/healthz"));

        using (HttpResponseMessage page = await client.GetAsync("/"))
        {
            string html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.InternalServerError, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<h1>Something went wrong</h1>", html);
            Assert.Contains("""<link rel="stylesheet" href="/style.css">""", html);
            Assert.Matches(@"Served by worker 1 \(pid \d+\)", html);
        }

        // The demo's endpoint answers its own JSON error, with the class the demo counts, not the error page.
        using (HttpResponseMessage echo = await client.GetAsync("/echo?n=5"))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, echo.StatusCode);
            Assert.Equal("application/json", echo.Content.Headers.ContentType?.MediaType);
            using JsonDocument answer = JsonDocument.Parse(await echo.Content.ReadAsStringAsync());
            Assert.Equal(5, answer.RootElement.GetProperty("n").GetInt64());
            Assert.False(string.IsNullOrEmpty(answer.RootElement.GetProperty("error").GetString()), answer.RootElement.ToString());
        }

        link.Restore();
        await Eventually.HoldsAsync(() => GetTextAsync(client, "/healthz").Result == (HttpStatusCode.OK, "Healthy"), TimeSpan.FromSeconds(15), "healthy again");
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private SupervisorProcess Start(string connectionString) =>
        ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "1", "--bind", "127.0.0.1:0", "--state-dir", _state],
            new Dictionary<string, string> { ["FORKHOST_MYSQL"] = connectionString });

    /// <returns>Where the login redirected to.</returns>
    private static async Task<string> LogInAsync(Uri address, string query)
    {
        using var client = new CommentsClient(address);
        string token = (await client.GetPageAsync("/login" + query)).Token!;
        using HttpResponseMessage response = await client.Http.PostAsync("/login" + query,
            Form(("username", CommentsClient.DemoUser), ("password", CommentsClient.DemoPassword), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Uri location = response.Headers.Location!;
        return location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => KeyValuePair.Create(f.Name, f.Value)));

    private static async Task<string?> EncodingOfAsync(HttpClient client, string path, string acceptEncoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Content.Headers.ContentEncoding.SingleOrDefault();
    }

    private static async Task<(HttpStatusCode, string)> GetTextAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A TCP relay between the app and the MySQL server that can be cut: every relayed session is closed, and a new
    /// one is accepted and closed at once (the server "gone"), until it is restored.
    /// </summary>
    private sealed class DatabaseLink : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly string _host;
        private readonly int _port;
        private readonly List<Socket> _open = [];
        private readonly CancellationTokenSource _stop = new();
        private Task _accepting = Task.CompletedTask;
        private volatile bool _cut;

        private DatabaseLink(string host, int port)
        {
            _host = host;
            _port = port;
        }

        public string ConnectionString { get; private set; } = "";

        public static Task<DatabaseLink> StartAsync(string connectionString)
        {
            var builder = new MySqlConnectionStringBuilder(connectionString);
            var link = new DatabaseLink(builder.Server, (int)builder.Port);
            link._listener.Start();
            builder.Server = "127.0.0.1";
            builder.Port = (uint)((IPEndPoint)link._listener.LocalEndpoint).Port;
            link.ConnectionString = builder.ConnectionString;
            link._accepting = link.AcceptAsync();
            return Task.FromResult(link);
        }

        public void Cut()
        {
            _cut = true;
            lock (_open)
            {
                foreach (Socket socket in _open)
                    socket.Dispose();
                _open.Clear();
            }
        }

        public void Restore() => _cut = false;

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                if (_cut)
                    client.Dispose();
                else
                    _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(Socket client)
        {
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(server);
            }
            try
            {
                await server.ConnectAsync(_host, _port, _stop.Token);
                await using var fromClient = new NetworkStream(client, ownsSocket: false);
                await using var toServer = new NetworkStream(server, ownsSocket: false);
                await Task.WhenAny(fromClient.CopyToAsync(toServer, _stop.Token), toServer.CopyToAsync(fromClient, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                lock (_open)
                {
                    _open.Remove(client);
                    _open.Remove(server);
                }
                client.Dispose();
                server.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            Cut();
            _stop.Dispose();
        }
    }
}
