using System.Diagnostics;
using System.Text.Json;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>Asks a serving Comments which workers answer, through the app itself: each /echo goes to the database and back.</summary>
internal static class CommentsWorkers
{
    /// <summary>One <c>/echo</c> on a new connection (a keep-alive client would stick to one worker); fails unless the database echoed.</summary>
    public static async Task<EchoAnswer> EchoAsync(HttpClient client, Uri address, long n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, $"/echo?n={n}"));
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/echo?n={n}: HTTP {(int)response.StatusCode} {body}");
        EchoAnswer answer = JsonSerializer.Deserialize<EchoAnswer>(body, JsonOptions)!;
        Assert.Equal(n, answer.Echo);
        return answer;
    }

    /// <summary>
    /// Asks until every pid of <paramref name="expected"/> has answered, or the time is up; returns every pid that
    /// answered (which may hold others: the caller asserts on it).
    /// </summary>
    public static async Task<HashSet<int>> AnsweringPidsAsync(HttpClient client, Uri address, IReadOnlyCollection<int> expected, TimeSpan timeout)
    {
        var seen = new HashSet<int>();
        var watch = Stopwatch.StartNew();
        for (long n = 1; !expected.All(seen.Contains) && watch.Elapsed < timeout; n++)
            seen.Add((await EchoAsync(client, address, n)).Pid);
        return seen;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
