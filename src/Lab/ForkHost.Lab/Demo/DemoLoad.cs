using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ForkHost.Lab.Demo;

/// <summary>
/// Concurrent, verified load on the Comments app's /echo endpoint. Every request asks for a value no other request
/// asks for, so an answer that belongs to another request is caught, not just a failed one. Each request opens a
/// new connection (Connection: close): with keep-alive, one worker takes most connections from a shared socket and
/// the workers would rarely meet on the shared database session.
/// </summary>
internal static class DemoLoad
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <returns>How long the requests took, for the scenario's requests per second.</returns>
    public static async Task<TimeSpan> RunAsync(Uri baseAddress, int requests, int concurrency, int pad, long firstN, ScenarioResult result, ConcurrentDictionary<int, byte> workersSeen)
    {
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.Zero })
        {
            // Above the inherited-session client's 5 s read timeout, so a stolen reply shows as a database error.
            Timeout = TimeSpan.FromSeconds(15),
        };
        int next = -1;
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
                Record(result, workersSeen, await SendAsync(client, baseAddress, firstN + i, pad));
        });
        await Task.WhenAll(loops);
        return watch.Elapsed;
    }

    private static async Task<Outcome> SendAsync(HttpClient client, Uri baseAddress, long n, int pad)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, string.Create(CultureInfo.InvariantCulture, $"/echo?n={n}&pad={pad}")));
        request.Headers.ConnectionClose = true;
        try
        {
            using HttpResponseMessage response = await client.SendAsync(request);
            EchoAnswer? answer = null;
            try
            {
                answer = await response.Content.ReadFromJsonAsync<EchoAnswer>(Json);
            }
            catch (JsonException)
            {
            }

            if (response.StatusCode == HttpStatusCode.OK && answer is not null)
            {
                bool right = answer.Echo == n && answer.Pad == pad;
                return new Outcome(right ? Verdict.Ok : Verdict.Wrong, answer.Pid, answer.Session, null,
                    right ? null : $"asked for {n}, got {answer.Echo?.ToString(CultureInfo.InvariantCulture) ?? "null"} (pad {answer.Pad})");
            }
            if ((int)response.StatusCode >= 500)
                return new Outcome(Verdict.ServerError, answer?.Pid, answer?.Session, answer?.Error ?? "http", answer?.Message ?? $"HTTP {(int)response.StatusCode}");
            return new Outcome(Verdict.Wrong, answer?.Pid, answer?.Session, null, $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Outcome(Verdict.NoResponse, null, null, null, e.GetBaseException().Message);
        }
    }

    private static void Record(ScenarioResult result, ConcurrentDictionary<int, byte> workersSeen, Outcome outcome)
    {
        if (outcome.Pid is int pid)
            workersSeen.TryAdd(pid, 0);
        lock (result)
        {
            result.Requests++;
            if (outcome.Session == "inherited")
                result.InheritedSessionAnswers++;
            switch (outcome.Verdict)
            {
                case Verdict.Ok:
                    result.Ok++;
                    break;
                case Verdict.Wrong:
                    result.WrongResults++;
                    break;
                case Verdict.ServerError:
                    result.Http5xx++;
                    result.DatabaseErrors[outcome.ErrorClass!] = result.DatabaseErrorCount(outcome.ErrorClass!) + 1;
                    break;
                case Verdict.NoResponse:
                    result.NoResponse++;
                    break;
            }
            if (outcome.Detail is { } detail && result.SampleErrors.Count < 8 && !result.SampleErrors.Contains(detail))
                result.SampleErrors.Add(detail);
        }
    }

    private enum Verdict { Ok, Wrong, ServerError, NoResponse }

    private sealed record Outcome(Verdict Verdict, int? Pid, string? Session, string? ErrorClass, string? Detail);

    /// <summary>The Comments app's /echo answer (its EchoResponse), as JSON.</summary>
    private sealed record EchoAnswer(long N, long? Echo, long? ConnectionId, int? Pad, string? Session, int? Pid, int? WorkerId, string? Error, string? Message);
}
