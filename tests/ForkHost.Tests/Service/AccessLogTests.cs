using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

public sealed class AccessLogTests
{
    [Fact]
    public async Task Each_request_is_logged_by_the_worker_that_served_it_without_the_query_string()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--access-log");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();
        string body = await client.GetStringAsync(new Uri(address, "/whoami?token=hunter2"));
        int pid = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("pid").GetInt32();

        LogEvent request = await forkhost.WaitForEventAsync(EventIds.AccessLog);
        Assert.Equal("GET", request.String("Method"));
        Assert.Equal("/whoami", request.String("Path"));
        Assert.Equal(200, request.Int("StatusCode"));
        Assert.Equal(pid, request.Int("Pid"));
        Assert.Equal(1, request.Int("WorkerId"));
        Assert.DoesNotContain("hunter2", forkhost.Stdout);
    }
}
