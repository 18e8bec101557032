using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

public sealed class LoggingConfigurationTests
{
    [Fact]
    public async Task A_serilog_section_in_the_config_file_sets_levels_in_the_supervisor_and_the_workers()
    {
        string config = Path.Combine(Path.GetTempPath(), $"forkhost-config-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, """
            {
              "ForkHost": { "Workers": 2, "Bind": [ "127.0.0.1:0" ], "AccessLog": true },
              "Serilog": { "MinimumLevel": { "Default": "Information", "Override": { "ForkHost.AccessLog": "Warning" } } }
            }
            """);
        try
        {
            await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--config", config]);
            Uri address = await forkhost.WaitForHttpAddressAsync();
            await forkhost.WaitForAllReadyAsync();
            Assert.Equal(2, forkhost.WorkerPids().Count);

            using HttpClient client = Http.CreateClient();
            for (int i = 0; i < 5; i++)
                await Http.WhoAmIOnNewConnectionAsync(client, address);
            forkhost.Signal(Interop.Libc.SIGTERM);
            Assert.Equal(0, await forkhost.WaitForExitAsync());

            // The access log is on (from the file) but its category is raised to Warning (from the file's Serilog section).
            Assert.Empty(forkhost.EventsWithId(EventIds.AccessLog));
            Assert.NotEmpty(forkhost.EventsWithId(EventIds.WorkerReady));
        }
        finally
        {
            File.Delete(config);
        }
    }
}
