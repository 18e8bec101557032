using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Packaging;

/// <summary>Serving an app loads nothing of the lab: no Testcontainers, no demo, no inherited-session client.</summary>
public sealed class ServingPathTests
{
    [Fact]
    public async Task Neither_the_supervisor_nor_a_worker_maps_a_lab_assembly_while_serving()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0");
        Uri address = await forkhost.WaitForHttpAddressAsync();
        await forkhost.WaitForAllReadyAsync();
        using HttpClient client = Http.CreateClient();
        await Http.WhoAmIOnNewConnectionAsync(client, address);

        foreach (int pid in (int[])[forkhost.Pid, .. forkhost.WorkerPids()])
        {
            // The runtime maps every assembly it loads; /proc/PID/maps names each file.
            string[] mapped = File.ReadAllLines($"/proc/{pid}/maps");
            Assert.Contains(mapped, line => line.EndsWith("/ForkHost.Engine.dll", StringComparison.Ordinal));
            Assert.DoesNotContain(mapped, line => line.Contains("ForkHost.Lab", StringComparison.Ordinal)
                || line.Contains("forkhost-lab", StringComparison.Ordinal)
                || line.Contains("Testcontainers", StringComparison.Ordinal)
                || line.Contains("Docker.DotNet", StringComparison.Ordinal));
        }
    }
}
