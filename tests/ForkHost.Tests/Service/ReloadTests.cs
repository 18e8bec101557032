using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.Service;

/// <summary>
/// SIGHUP under load: a new generation takes over before the old one drains, and nothing is lost. The posts are a
/// logged-in user's, with the antiforgery token of one page: every generation's workers accept both.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class ReloadTests(MySqlServerFixture mySql) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("forkhost-reload-state-").FullName;

    [Fact]
    public async Task Five_reloads_under_continuous_load_fail_no_request_and_every_acknowledged_post_is_stored()
    {
        string marker = $"reload-{Guid.NewGuid():N}";
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.CommentsApp, "--workers", "2", "--bind", "127.0.0.1:0", "--graceful-timeout", "10", "--state-dir", _state],
            new Dictionary<string, string> { ["FORKHOST_MYSQL"] = mySql.ConnectionString + ";MaximumPoolSize=20" });
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        // Keep-alive clients that retry what HTTP allows: HttpClient's own behaviour, nothing added. One login for all.
        using var comments = new CommentsClient(address);
        await comments.LogInAsync();
        HttpClient client = comments.Http;
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var acknowledged = new List<string>();
        int gets = 0;
        var load = Enumerable.Range(0, 6).Select(loop => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    if (i % 3 == 0)
                    {
                        string content = $"{marker}-{loop}-{i}";
                        CommentPost posted = await comments.PostCommentAsync(content);
                        if (posted.Stored)
                            lock (acknowledged) acknowledged.Add(content);
                        else
                            lock (failures) failures.Add($"POST: {posted}");
                    }
                    else
                    {
                        using HttpResponseMessage response = await client.GetAsync(new Uri(address, $"/echo?n={i}"));
                        string body = await response.Content.ReadAsStringAsync();
                        if (response.IsSuccessStatusCode)
                            Interlocked.Increment(ref gets);
                        else
                            lock (failures) failures.Add($"GET: HTTP {(int)response.StatusCode} {body}");
                    }
                }
                catch (HttpRequestException e)
                {
                    lock (failures) failures.Add($"{(i % 3 == 0 ? "POST" : "GET")}: {e.Message} ({e.InnerException?.GetType().Name}: {e.InnerException?.Message})");
                }
            }
        })).ToList();

        for (int reload = 1; reload <= 5; reload++)
        {
            await Task.Delay(300);
            forkhost.Signal(1 /* SIGHUP */);
            await forkhost.WaitForEventAsync(EventIds.Reloaded, count: reload, timeout: TimeSpan.FromSeconds(30));
        }
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(load);

        Assert.True(failures.Count == 0, $"{failures.Count} failed requests: {string.Join("; ", failures.Distinct().Take(5))}");
        Assert.True(gets > 100 && acknowledged.Count > 50, $"too little load: {gets} GETs, {acknowledged.Count} POSTs");
        Assert.Equal(6, forkhost.EventsWithId(EventIds.AllWorkersReady).Count + forkhost.EventsWithId(EventIds.Reloaded).Count);
        var sixthGeneration = forkhost.EventsWithId(EventIds.WorkerSpawned).Where(e => e.Int("WorkerGeneration") == 6).Select(e => e.Int("WorkerPid"));
        await Eventually.HoldsAsync(() => forkhost.WorkerPids().Order().SequenceEqual(sixthGeneration.Order()), TimeSpan.FromSeconds(15),
            "only the sixth generation is left", forkhost.Diagnostics);

        HashSet<string> stored = await mySql.StoredCommentsAsync(marker);
        Assert.All(acknowledged, content => Assert.Contains(content, stored));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
