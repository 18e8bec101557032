using System.Globalization;
using ForkHost.Lab.Demo.Traps.Memory;
using ForkHost.Lab.Processes;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Service;

/// <summary>forkhost run in a memory cgroup of the test's own: what heap limit each worker process starts with.</summary>
public sealed class WorkerHeapLimitTests
{
    private const long MiB = 1024 * 1024;

    [MemoryCgroupFact]
    public async Task Workers_get_their_share_of_the_cgroup_limit_none_with_off_and_the_operators_own_value()
    {
        using MemoryCgroup cgroup = MemoryCgroup.Create(640 * MiB);
        // (640M − 128M) / 2 − 48M = 208M.
        Assert.Equal(["d000000", "d000000"], await WorkerHeapLimitsAsync(cgroup, []));
        Assert.Equal(["(none)", "(none)"], await WorkerHeapLimitsAsync(cgroup, ["--worker-heap-limit", "off"]));
        Assert.Equal(["8000000", "8000000"], await WorkerHeapLimitsAsync(cgroup, ["--worker-heap-limit", "128M"]));
        Assert.Equal(["0x3000000", "0x3000000"], await WorkerHeapLimitsAsync(cgroup, [], new() { ["DOTNET_GCHeapHardLimit"] = "0x3000000" }));
    }

    [Fact]
    public async Task A_bad_value_is_a_usage_error_naming_the_option()
    {
        await using SupervisorProcess forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--worker-heap-limit", "lots");
        Assert.Equal(2, await forkhost.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--worker-heap-limit must be auto, off or a size of at least 16M, as 256M or 1G (got 'lots')", forkhost.Stderr);
    }

    /// <summary>Two workers of the Hello sample in <paramref name="cgroup"/>: each one's DOTNET_GCHeapHardLimit, from /proc/PID/environ, or "(none)".</summary>
    private static async Task<string[]> WorkerHeapLimitsAsync(MemoryCgroup cgroup, string[] options, Dictionary<string, string>? environment = null)
    {
        await using SupervisorProcess forkhost = ForkHostProcess.Start(
            [.. cgroup.Wrapper.Skip(1), RepositoryPaths.Supervisor, "run", "--app", RepositoryPaths.HelloApp, "--workers", "2",
                "--bind", "127.0.0.1:0", "--log-format", "json", .. options],
            environment, executable: cgroup.Wrapper[0]);
        await forkhost.WaitForEventAsync(EventIds.AllWorkersReady, timeout: TimeSpan.FromSeconds(60));
        string[] limits = forkhost.WorkerPids()
            .Select(pid => File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/environ").Split('\0')
                .FirstOrDefault(v => v.StartsWith("DOTNET_GCHeapHardLimit=", StringComparison.Ordinal))?.Split('=', 2)[1] ?? "(none)")
            .ToArray();
        await forkhost.StopAsync(TimeSpan.FromSeconds(10));
        return limits;
    }
}
