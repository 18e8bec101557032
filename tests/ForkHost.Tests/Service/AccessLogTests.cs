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

        SupervisorLogEvent request = await forkhost.WaitForEventAsync(EventIds.AccessLog);
        Assert.Equal("GET", request.String("Method"));
        Assert.Equal("/whoami", request.String("Path"));
        Assert.Equal(200, request.Int("StatusCode"));
        Assert.Equal(pid, request.Int("Pid"));
        Assert.Equal(1, request.Int("WorkerId"));
        Assert.DoesNotContain("hunter2", forkhost.Stdout);
    }

    [Fact]
    public async Task Lines_from_the_supervisor_and_many_busy_workers_never_interleave_on_the_shared_output()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "4", "--bind", "127.0.0.1:0", "--access-log");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();

        // Four workers logging every request while the supervisor logs a scale-up, a scale-down and a reload.
        await using (var load = ContinuousLoad.Start(new Uri(address, "/whoami?padding=" + new string('x', 300)), clients: 8))
        {
            forkhost.Signal(21 /* SIGTTIN */);
            forkhost.Signal(22 /* SIGTTOU */);
            forkhost.Signal(1 /* SIGHUP */);
            await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(30));
            // Enough lines from concurrent writers that interleaving, if possible, would show (35 bad lines in 1,527 did).
            await Eventually.HoldsAsync(() => forkhost.EventsWithId(EventIds.AccessLog).Count >= 1000, TimeSpan.FromSeconds(30), "1,000 requests logged");
            await load.StopAsync();
        }

        Assert.All(forkhost.Stdout.Split('\n'), line => System.Text.Json.JsonDocument.Parse(line).Dispose());
    }
}
