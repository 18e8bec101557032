using System.Net.Http.Json;

namespace ForkHost.Tests.Infrastructure;

internal static class Http
{
    /// <summary>A new connection for every request: a keep-alive client would stick to one worker.</summary>
    public static async Task<WhoAmI> WhoAmIOnNewConnectionAsync(HttpClient client, Uri baseAddress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, "/whoami"));
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<WhoAmI>())!;
    }

    public static HttpClient CreateClient() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}

internal sealed record WhoAmI(int Pid, int WorkerId, int Generation, int LoadedBy);
