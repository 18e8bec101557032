using System.Collections.Concurrent;
using System.Net;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Edge;

/// <summary>
/// The certbot/cron case: the certificate and key files are replaced and the supervisor gets HUP, under continuous
/// HTTPS load. The new generation serves the new certificate, the old one drains: nothing fails.
/// </summary>
public sealed class CertificateRotationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-rotation-").FullName;

    [Fact]
    public async Task Renewed_files_and_a_hup_under_https_load_fail_no_request_and_new_connections_see_the_new_certificate()
    {
        TestCertificates.Files first = TestCertificates.Write(_directory, "first");
        TestCertificates.Files renewed = TestCertificates.Write(_directory, "renewed");
        TestCertificates.Files other = TestCertificates.Write(_directory, "other");
        string certFile = Path.Combine(_directory, "fullchain.pem");
        string keyFile = Path.Combine(_directory, "privkey.pem");
        TestCertificates.Install(first, certFile, keyFile);

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--graceful-timeout", "10",
            "--bind", "https://127.0.0.1:0", "--certfile", certFile, "--keyfile", keyFile);
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        Assert.Equal(first.Thumbprint, (await Https.GetOnNewConnectionAsync(address)).Thumbprint);

        // Clients on fresh connections (a TLS handshake each, so each one shows which certificate is served), and one
        // HTTP/2 client on a keep-alive connection, which the draining worker closes with GOAWAY.
        var failures = new ConcurrentQueue<string>();
        var seen = new ConcurrentDictionary<string, int>();
        int answered = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    Https.Answer answer = await Https.GetOnNewConnectionAsync(address);
                    if (answer.Status != HttpStatusCode.OK)
                        failures.Enqueue($"HTTP/1.1: {(int)answer.Status}");
                    seen.AddOrUpdate(answer.Thumbprint, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref answered);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"HTTP/1.1: {e.Message} ({e.InnerException?.Message})");
                }
            }
        })).Append(Task.Run(async () =>
        {
            using HttpClient client = Https.CreateTrustingClient(HttpVersion.Version20);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using HttpResponseMessage response = await client.GetAsync(address);
                    if (response.StatusCode != HttpStatusCode.OK || response.Version.Major != 2)
                        failures.Enqueue($"HTTP/2: {(int)response.StatusCode} over HTTP/{response.Version}");
                    Interlocked.Increment(ref answered);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue($"HTTP/2: {e.Message} ({e.InnerException?.Message})");
                }
            }
        })).ToList();

        try
        {
            await Task.Delay(1000);
            TestCertificates.Install(renewed, certFile, keyFile);
            forkhost.Signal(Interop.Signals.SIGHUP);
            await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(60));
            var secondGeneration = forkhost.EventsWithId(EventIds.WorkerSpawned).Where(e => e.Int("WorkerGeneration") == 2).Select(e => e.Int("WorkerPid")).ToList();
            await Eventually.HoldsAsync(() => forkhost.WorkerPids().Order().SequenceEqual(secondGeneration.Order()), TimeSpan.FromSeconds(20),
                "only the second generation is left", forkhost.Diagnostics);
            await Task.Delay(500);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} failed requests: {string.Join("; ", failures.Distinct().Take(5))}");
        Assert.True(answered > 40, $"too little load: {answered} answers");
        Assert.True(seen.ContainsKey(first.Thumbprint) && seen.ContainsKey(renewed.Thumbprint), $"certificates seen: {string.Join(", ", seen)}");
        for (int i = 0; i < 10; i++)
            Assert.Equal(renewed.Thumbprint, (await Https.GetOnNewConnectionAsync(address)).Thumbprint);
        Assert.Equal([first.Thumbprint, renewed.Thumbprint], forkhost.EventsWithId(EventIds.CertificateLoaded).Select(e => e.String("Thumbprint")));

        // A bad renewal (the key of another certificate) is refused in one line; the renewed certificate keeps serving.
        IReadOnlyList<int> serving = forkhost.WorkerPids();
        File.Copy(other.KeyFile, keyFile, overwrite: true);
        forkhost.Signal(Interop.Signals.SIGHUP);
        SupervisorLogEvent refused = await forkhost.WaitForEventAsync(EventIds.ReloadRefused);
        Assert.Contains($"--keyfile '{keyFile}'", refused.String("Error"));
        Assert.Contains("does not belong to the certificate", refused.String("Error"));
        Assert.DoesNotContain('\n', refused.String("Error")!);
        Assert.Equal(serving.Order(), forkhost.WorkerPids().Order());
        Assert.Equal(renewed.Thumbprint, (await Https.GetOnNewConnectionAsync(address)).Thumbprint);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
