using System.Globalization;
using System.Net;
using ForkHost.Lab.Processes;
using ForkHost.Logging;

namespace ForkHost.Lab.Demo.Traps.State;

/// <summary>
/// Trap 3, per-worker in-memory state: one client, one connection per request (--balance dispatch deals them to the
/// workers in turn). It counts a session counter that goes backwards or starts over, then sends a burst to an endpoint
/// limited to 10 permits per 30-second window and counts the permits granted beyond 10 in one window. In memory,
/// each worker has its own sessions and its own permits; kept in MySQL, the workers behave as one.
/// </summary>
internal sealed class StateScenario(bool isFixed) : TrapScenario
{
    private const int SessionRequests = 100;
    // Four times the limit: what 4 workers with their own permits would grant at most.
    private const int LimitedRequests = 40;
    private const int PermitLimit = 10;

    public override string Number => Fixed ? "9b" : "9a";
    public override string Trap => "per-worker in-memory state";
    public override string Name => Fixed ? "sessions and permits in MySQL" : "in-memory session and rate limiter";
    public override bool Fixed { get; } = isFixed;
    public override string FailureLabel => "sessions lost + excess permits";
    public override string Explanation => Fixed
        ? "Sessions live in a MySQL IDistributedCache and permits are counted in MySQL: every worker sees the same ones."
        : "AddDistributedMemoryCache and AddRateLimiter keep their state in each worker: the next worker finds no session, and every worker grants the limit.";

    public override async Task RunAsync(TrapRun run, TrapResult result, CancellationToken cancellationToken)
    {
        SupervisorProcess supervisor = run.Start(
            ["--balance", "dispatch"],
            new Dictionary<string, string?> { ["Traps__State__Shared"] = Fixed ? "true" : "false" });
        Uri address = await supervisor.WaitForHttpAddressAsync(TrapRun.ReadyTimeout);
        await supervisor.WaitForAllReadyAsync(TrapRun.ReadyTimeout);
        foreach (SupervisorLogEvent finding in supervisor.EventsWithId(EventIds.StateFinding))
            result.Findings.Add(finding.String("Finding") ?? finding.Message);

        var cookies = new CookieContainer();
        using var handler = new SocketsHttpHandler { CookieContainer = cookies, PooledConnectionLifetime = TimeSpan.Zero };
        using var client = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };

        (int lost, int sessionErrors) = await CountSessionLossesAsync(client, result, cancellationToken);
        (int granted, int excess, int limitErrors) = await CountExcessPermitsAsync(client, result, cancellationToken);

        result.Failures = lost + excess + sessionErrors + limitErrors;
        result.Count("session requests", SessionRequests);
        result.Count("sessions lost", lost);
        result.Count("limited requests", LimitedRequests);
        result.Count("permits granted", granted);
        result.Count($"beyond {PermitLimit} per window", excess);
        result.Count("errors", sessionErrors + limitErrors);
    }

    /// <summary>A loss is an answer that is not the previous counter plus one: the session this worker read was empty or stale.</summary>
    private static async Task<(int Lost, int Errors)> CountSessionLossesAsync(HttpClient client, TrapResult result, CancellationToken cancellationToken)
    {
        int previous = 0, lost = 0, errors = 0;
        for (int i = 0; i < SessionRequests; i++)
        {
            using HttpResponseMessage response = await SendAsync(client, "/state/session", cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK || !int.TryParse(body.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out int counter))
            {
                errors++;
                continue;
            }
            if (counter != previous + 1)
            {
                if (lost++ < 2)
                    result.Samples.Add($"session request {i + 1}: counter {counter} after {previous} ({body.Trim()})");
            }
            previous = counter;
        }
        return (lost, errors);
    }

    /// <summary>
    /// A burst well inside one 30-second window. The fixed endpoint names the epoch-aligned window it counted the permit
    /// in, so a burst across a boundary is judged per window; an in-memory limiter's window is its worker's own, and the
    /// burst fits in the first one of each.
    /// </summary>
    private static async Task<(int Granted, int Excess, int Errors)> CountExcessPermitsAsync(HttpClient client, TrapResult result, CancellationToken cancellationToken)
    {
        // A name for this run's client: a second run in the same window must not find the permits spent.
        string name = Guid.NewGuid().ToString("N");
        var grantedByWindow = new Dictionary<string, int>(StringComparer.Ordinal);
        int errors = 0;
        for (int i = 0; i < LimitedRequests; i++)
        {
            using HttpResponseMessage response = await SendAsync(client, "/state/limited", cancellationToken, name);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK && body.StartsWith("granted ", StringComparison.Ordinal))
            {
                string window = body["granted ".Length..].Trim();
                // Each worker's in-memory window is its own: they all cover this burst, so they count as one.
                string key = window.StartsWith("worker-", StringComparison.Ordinal) ? "memory" : window;
                grantedByWindow[key] = grantedByWindow.GetValueOrDefault(key) + 1;
            }
            else if (response.StatusCode != HttpStatusCode.TooManyRequests)
                errors++;
        }
        int granted = grantedByWindow.Values.Sum();
        int excess = grantedByWindow.Values.Sum(g => Math.Max(0, g - PermitLimit));
        if (excess > 0)
            result.Samples.Add($"{granted} of {LimitedRequests} requests granted with a limit of {PermitLimit} per window");
        return (granted, excess, errors);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, CancellationToken cancellationToken, string? clientName = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        // One connection per request, so that dispatch hands each to the next worker.
        request.Headers.ConnectionClose = true;
        if (clientName is not null)
            request.Headers.Add("X-Client", clientName);
        return await client.SendAsync(request, cancellationToken);
    }
}
