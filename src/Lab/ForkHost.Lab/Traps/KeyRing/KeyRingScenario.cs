using System.Collections.Concurrent;
using System.Net;
using ForkHost.Lab.Processes;
using ForkHost.Logging;

namespace ForkHost.Lab.Demo.Traps.KeyRing;

/// <summary>
/// Trap 1, one key ring per process: log in once, then send the login cookie to every worker, one connection per
/// request (--balance dispatch deals them out in turn), while --max-requests recycles the workers. Without a shared
/// key ring a worker that did not mint the cookie, and every recycled one, reads it as no login: 401.
/// </summary>
internal sealed class KeyRingScenario(bool isFixed) : TrapScenario
{
    private const int Requests = 160;
    private const int MaxRequests = 20;

    public override string Number => Fixed ? "7b" : "7a";
    public override string Trap => "one key ring per process";
    public override string Name => Fixed ? "shared key ring (state directory)" : "no state directory: keys per worker";
    public override bool Fixed { get; } = isFixed;
    public override string FailureLabel => "requests refused or failed";
    public override string Explanation => Fixed
        ? "Every worker, recycled ones included, reads the key ring the supervisor prepared in the state directory."
        : "Each worker makes its own keys in memory: a cookie minted by one is unreadable to the others and to its successors.";

    public override async Task RunAsync(TrapRun run, TrapResult result, CancellationToken cancellationToken)
    {
        SupervisorProcess supervisor = run.Start(
            ["--balance", "dispatch", "--max-requests", $"{MaxRequests}", "--max-requests-jitter", "5"],
            sharedKeyRing: Fixed);
        Uri address = await supervisor.WaitForHttpAddressAsync(TrapRun.ReadyTimeout);
        await supervisor.WaitForAllReadyAsync(TrapRun.ReadyTimeout);
        if (supervisor.EventsWithId(EventIds.KeyRingUnavailable).FirstOrDefault() is { } unavailable)
            result.Findings.Add(unavailable.Message);

        var cookies = new CookieContainer();
        using var handler = new SocketsHttpHandler { CookieContainer = cookies, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        using (HttpResponseMessage login = await client.PostAsync("/keyring/login", null, cancellationToken))
            login.EnsureSuccessStatusCode();

        var workers = new ConcurrentDictionary<string, byte>();
        int rejected = 0, other = 0;
        for (int i = 0; i < Requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/keyring/me");
            // One connection per request, so that dispatch hands each to the next worker.
            request.Headers.ConnectionClose = true;
            using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
                workers.TryAdd(body.Split(" pid ")[^1].Trim(), 0);
            else if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                if (rejected++ < 2)
                    result.Samples.Add($"request {i + 1}: 401, the worker could not read the login cookie");
            }
            else
                other++;
        }

        // A fixed run is clean only if every request was answered as the logged-in user.
        result.Failures = rejected + other;
        result.Count("requests", Requests);
        result.Count("refused (401)", rejected);
        result.Count("other errors", other);
        result.Count("workers recycled", Math.Max(0, supervisor.EventsWithId(EventIds.WorkerSpawned).Count - run.Workers));
        if (other > 0)
            result.Samples.Add($"{other} answers were neither 200 nor 401");
    }
}
