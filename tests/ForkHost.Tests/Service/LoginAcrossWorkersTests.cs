using System.Globalization;
using System.Net;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;
using Xunit.Abstractions;

namespace ForkHost.Tests.Service;

/// <summary>
/// One login for the whole supervisor: the Comments sample's login cookie, and the antiforgery tokens its forms carry,
/// are accepted by every one of 4 workers, whichever worker issued them; after a HUP reload, after --max-requests
/// recycling and after a restart of the supervisor, because every worker uses one persistent Data Protection key ring
/// under the state directory. With --balance dispatch each new connection goes to the next ready worker, so a few
/// connections reach all of them; the page says which one served it.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class LoginAcrossWorkersTests(MySqlServerFixture mySql, ITestOutputHelper output) : IDisposable
{
    private const int Workers = 4;

    /// <summary>Low enough that the recycling phase retires every worker in a few seconds, high enough that no other phase reaches it.</summary>
    private const int MaxRequests = 20;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<string> _temporary = [];
    private readonly List<string> _acknowledged = [];
    private readonly string _marker = $"login-{Guid.NewGuid():N}";
    private readonly System.Diagnostics.Stopwatch _started = System.Diagnostics.Stopwatch.StartNew();

    [Fact]
    public async Task A_login_holds_on_every_worker_across_a_reload_recycling_and_a_restart_with_a_state_dir()
    {
        string state = TemporaryDirectory("state", "700");
        await RunAsync(new Setup(RepositoryPaths.Supervisor, RepositoryPaths.CommentsApp, ["--state-dir", state], [], [], null), state, "--state-dir");
    }

    /// <summary>
    /// As under the shipped unit (DynamicUser=yes, ProtectHome=yes): no HOME, a StateDirectory= handed in as
    /// STATE_DIRECTORY (systemd makes it 755), a working directory the workers cannot write, and, when the tests run as
    /// root, workers running as nobody, whose home (/nonexistent) does not exist.
    /// </summary>
    [Fact]
    public async Task A_login_holds_on_every_worker_across_a_reload_recycling_and_a_restart_with_no_home_and_STATE_DIRECTORY()
    {
        string state = TemporaryDirectory("state", "755");
        string workingDirectory = TemporaryDirectory("cwd", "555");
        bool root = Interop.Libc.GetUserId() == 0;
        string supervisor = RepositoryPaths.Supervisor;
        string app = RepositoryPaths.CommentsApp;
        if (root)
        {
            // The build output may sit under a directory nobody cannot enter: run from world-readable copies.
            string supervisorCopy = WorldReadable.Copy(RepositoryPaths.SupervisorDirectory, "forkhost");
            string appCopy = WorldReadable.Copy(Path.GetDirectoryName(RepositoryPaths.CommentsApp)!, "comments");
            _temporary.Add(supervisorCopy);
            _temporary.Add(appCopy);
            supervisor = Path.Combine(supervisorCopy, "forkhost");
            app = Path.Combine(appCopy, "Comments.dll");
        }
        await RunAsync(new Setup(supervisor, app, root ? ["--user", "nobody"] : [],
            new Dictionary<string, string> { ["STATE_DIRECTORY"] = state }, ["HOME", "XDG_STATE_HOME"], workingDirectory), state, "STATE_DIRECTORY");

        Assert.False(Directory.Exists(Path.Combine(workingDirectory, ".aspnet")), "Data Protection's fallback wrote keys into the working directory");
        if (root)
            Assert.All(Directory.EnumerateFileSystemEntries(Path.Combine(state, "data-protection-keys")), entry => Assert.Equal(65534u, OwnerOf(entry)));
    }

    private async Task RunAsync(Setup setup, string state, string source)
    {
        SupervisorProcess forkhost = Start(setup, "127.0.0.1:0");
        try
        {
            Uri address = await forkhost.WaitForHttpAddressAsync(Patience);
            await forkhost.WaitForAllReadyAsync(Patience);
            output.WriteLine($"{Workers} workers ready, {Since()} s into the test");

            // Log in on one connection (one worker): GET /login for the antiforgery cookie and token, POST the credentials.
            var cookies = new CookieContainer();
            string token;
            using (var login = new CommentsClient(address, cookies, oneConnection: true))
            {
                await login.LogInAsync();
                Assert.Equal(1, login.Connections);
                token = login.Token!;
            }
            token = await UseEveryWorkerAsync(forkhost, address, cookies, token, "after the login", new HashSet<int>());

            // HUP: a new generation replaces every worker.
            HashSet<int> before = forkhost.WorkerPids().ToHashSet();
            forkhost.Signal(Interop.Signals.SIGHUP);
            await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: Patience);
            await WaitForNewWorkersAsync(forkhost, before, "the reload");
            output.WriteLine($"reloaded, {Since()} s into the test");
            token = await UseEveryWorkerAsync(forkhost, address, cookies, token, "after the reload", before);

            // --max-requests: requests until every worker has been recycled; each of them must find the login too.
            before = forkhost.WorkerPids().ToHashSet();
            await RequestUntilRecycledAsync(forkhost, address, cookies, before);
            await WaitForNewWorkersAsync(forkhost, before, "--max-requests recycling");
            output.WriteLine($"recycled, {Since()} s into the test");
            Assert.True(forkhost.EventsWithId(EventIds.WorkerRecycling).Count(e => before.Contains(e.Int("WorkerPid"))) == Workers,
                "every worker was recycled for --max-requests");
            token = await UseEveryWorkerAsync(forkhost, address, cookies, token, "after recycling", before);

            // A full restart on the same address with the same state directory: the old cookie and token still work.
            forkhost.Signal(Interop.Signals.SIGTERM);
            Assert.Equal(0, await forkhost.WaitForExitAsync(Patience));
            Assert.Contains(forkhost.EventsWithId(EventIds.KeyRingReady), e => e.String("Directory") == Path.Combine(state, "data-protection-keys"));
            before = forkhost.AllSpawnedWorkerPids.ToHashSet();
            await forkhost.DisposeAsync();
            forkhost = Start(setup, $"127.0.0.1:{address.Port.ToString(CultureInfo.InvariantCulture)}");
            await forkhost.WaitForAllReadyAsync(Patience);
            output.WriteLine($"restarted, {Since()} s into the test");
            token = await UseEveryWorkerAsync(forkhost, address, cookies, token, "after the restart", before);

            SupervisorLogEvent keyRing = Assert.Single(forkhost.EventsWithId(EventIds.KeyRingReady));
            Assert.Equal(Path.Combine(state, "data-protection-keys"), keyRing.String("Directory"));
            Assert.Contains(source, keyRing.String("Source"));
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(state, "data-protection-keys"), "key-*.xml"));

            // And the login is what let the posts in: logged out, the same cookie jar is sent to /login.
            using (var browser = new CommentsClient(address, cookies))
            {
                await browser.GetPageAsync();
                await browser.LogOutAsync();
                Assert.Null((await browser.GetPageAsync()).User);
                CommentPost refused = await browser.PostCommentAsync($"{_marker}-after-logout", token);
                Assert.True(refused.Status == HttpStatusCode.Found && refused.Location?.AbsolutePath == "/login", $"POST / after logging out: {refused}");
            }

            HashSet<string> stored = await mySql.StoredCommentsAsync(_marker);
            Assert.All(_acknowledged, content => Assert.Contains(content, stored));
            Assert.DoesNotContain($"{_marker}-after-logout", stored);
        }
        finally
        {
            await forkhost.DisposeAsync();
        }
    }

    /// <summary>
    /// New connections, each a page (which must show the user logged in) and a comment posted with the token of the
    /// page before it, which another worker issued (or, at the start of a phase, a worker that is gone), until every
    /// one of the workers has served a page and a post.
    /// </summary>
    /// <param name="gone">Workers of an earlier generation or supervisor, which must serve nothing now.</param>
    /// <returns>The last token seen, for the next phase.</returns>
    private async Task<string> UseEveryWorkerAsync(SupervisorProcess forkhost, Uri address, CookieContainer cookies, string token, string phase, IReadOnlySet<int> gone)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var pages = new HashSet<int>();
        var posts = new HashSet<int>();
        for (int connection = 1; pages.Count < Workers || posts.Count < Workers; connection++)
        {
            Assert.True(connection <= 10 * Workers,
                $"{phase}: {connection - 1} connections reached {pages.Count} workers with a page and {posts.Count} with a post; {Workers} wanted\n{forkhost.Diagnostics()}");
            using var client = new CommentsClient(address, cookies, oneConnection: true);
            CommentsPageView page = await client.GetPageAsync();
            Assert.True(page.User == CommentsClient.DemoUser,
                $"{phase}: worker {page.WorkerId} (pid {page.Pid}) did not take the login cookie: its page shows {page.User ?? "nobody"} logged in");
            Assert.DoesNotContain(page.Pid, gone);
            pages.Add(page.Pid);

            string content = $"{_marker}-{phase}-{connection}";
            CommentPost post = await client.PostCommentAsync(content, token);
            Assert.True(post.Stored, $"{phase}: POST / on worker {page.WorkerId} (pid {page.Pid}) with a token another worker issued: {post}");
            _acknowledged.Add(content);
            // On the page's connection, so by the page's worker, unless that connection was closed in between.
            if (client.Connections == 1 && !page.ConnectionClosed)
                posts.Add(page.Pid);
            token = page.Token ?? throw new InvalidOperationException($"{phase}: the page of a logged-in user has no form token:\n{page.Html}");
        }
        output.WriteLine($"{phase}: {Workers} workers served a page and a post ({string.Join(", ", pages.Order())}) in {watch.ElapsedMilliseconds} ms, {Since()} s into the test");
        return token;
    }

    /// <summary>Pages on new connections (each must show the login) until none of <paramref name="workers"/> is left.</summary>
    private async Task RequestUntilRecycledAsync(SupervisorProcess forkhost, Uri address, CookieContainer cookies, IReadOnlySet<int> workers)
    {
        using var client = new CommentsClient(address, cookies);
        var deadline = DateTime.UtcNow + Patience;
        int requests = 0;
        while (forkhost.WorkerPids().Any(workers.Contains))
        {
            Assert.True(DateTime.UtcNow < deadline, $"after {requests} requests, some of the workers are still there\n{forkhost.Diagnostics()}");
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await client.Http.SendAsync(request);
            string html = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET / while recycling: HTTP {(int)response.StatusCode} {response.Headers.Location}");
            CommentsPageView page = CommentsPageView.Parse(html, connectionClosed: true);
            Assert.True(page.User == CommentsClient.DemoUser, $"while recycling, worker pid {page.Pid} did not take the login cookie");
            requests++;
        }
        output.WriteLine($"{requests} pages until every worker was recycled, {Since()} s into the test");
    }

    /// <summary>Until the supervisor has <see cref="Workers"/> live workers, none of <paramref name="before"/>, each reported ready.</summary>
    private static Task WaitForNewWorkersAsync(SupervisorProcess forkhost, IReadOnlySet<int> before, string what) =>
        Eventually.HoldsAsync(() =>
        {
            IReadOnlyList<int> live = forkhost.WorkerPids();
            HashSet<int> ready = forkhost.EventsWithId(EventIds.WorkerReady).Select(e => e.Int("WorkerPid")).ToHashSet();
            return live.Count == Workers && !live.Any(before.Contains) && live.All(ready.Contains);
        }, Patience, $"{Workers} new workers, all ready, after {what}", forkhost.Diagnostics);

    private string Since() => _started.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    private SupervisorProcess Start(Setup setup, string bind) =>
        ForkHostProcess.Start(
            ["run", "--app", setup.App, "--workers", Workers.ToString(CultureInfo.InvariantCulture), "--bind", bind, "--balance", "dispatch",
                "--max-requests", MaxRequests.ToString(CultureInfo.InvariantCulture), "--graceful-timeout", "10", .. setup.Options],
            new Dictionary<string, string>(setup.Environment) { ["FORKHOST_MYSQL"] = mySql.ConnectionString + ";MaximumPoolSize=5" },
            executable: setup.Supervisor,
            workingDirectory: setup.WorkingDirectory,
            unsetEnvironment: setup.Unset);

    private string TemporaryDirectory(string name, string mode)
    {
        string path = Directory.CreateTempSubdirectory($"forkhost-login-{name}-").FullName;
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        _temporary.Add(path);
        return path;
    }

    /// <summary>The uid that owns the file (.NET does not say; statx does).</summary>
    private static unsafe uint OwnerOf(string path)
    {
        byte* buffer = stackalloc byte[Interop.Libc.StatxSize];
        Assert.Equal(0, Interop.Libc.Statx(Interop.Libc.AT_FDCWD, path, Interop.Libc.AT_SYMLINK_NOFOLLOW, Interop.Libc.STATX_UID, buffer));
        return *(uint*)(buffer + Interop.Libc.StatxUidOffset);
    }

    public void Dispose()
    {
        foreach (string path in _temporary)
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
    }

    private sealed record Setup(string Supervisor, string App, string[] Options, Dictionary<string, string> Environment, string[] Unset, string? WorkingDirectory);
}
