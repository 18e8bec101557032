using System.Net.Http.Json;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.TestApps;

namespace ForkHost.Tests.Edge;

/// <summary>--forwarded-allow-ips: X-Forwarded-For, -Proto and -Host are honoured from allowed peers only (real processes).</summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task From_an_allowed_peer_the_app_and_the_access_log_see_the_forwarded_client()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp(nameof(ClientInfoApp)), "--workers", "1", "--bind", "127.0.0.1:0", "--access-log");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        ClientInfoApp.ClientInfo seen = await GetForwardedAsync(address);

        Assert.Equal(new ClientInfoApp.ClientInfo("203.0.113.7", "https", "app.example", seen.Pid), seen);
        SupervisorLogEvent logged = await forkhost.WaitForEventAsync(EventIds.AccessLog);
        Assert.Equal("203.0.113.7", logged.String("Client"));
    }

    [Fact]
    public async Task From_any_other_peer_the_headers_are_ignored()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.TestApp(nameof(ClientInfoApp)), "--workers", "1", "--bind", "127.0.0.1:0",
            "--forwarded-allow-ips", "10.0.0.0/8,192.0.2.1");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        ClientInfoApp.ClientInfo seen = await GetForwardedAsync(address);

        Assert.Equal("127.0.0.1", seen.Address);
        Assert.Equal("http", seen.Scheme);
        Assert.Equal($"127.0.0.1:{address.Port}", seen.Host);
    }

    private static async Task<ClientInfoApp.ClientInfo> GetForwardedAsync(Uri address)
    {
        using HttpClient client = Http.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "/client"));
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "app.example");
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClientInfoApp.ClientInfo>())!;
    }
}
