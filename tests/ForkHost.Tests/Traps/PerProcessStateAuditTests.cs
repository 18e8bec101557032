using ForkHost.Lab.Processes;
using ForkHost.Logging;
using ForkHost.TestApps;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Traps;

/// <summary>Trap 3's audit against the real supervisor: its findings once per generation, and --fork-safety strict refusing the ones that lose data.</summary>
public sealed class PerProcessStateAuditTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("forkhost-state-audit-").FullName;

    [Fact]
    public async Task With_4_workers_the_findings_are_logged_once_per_generation_under_one_heading()
    {
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.TestApp(nameof(PerProcessStateApp)), "--workers", "4", "--bind", "127.0.0.1:0", "--state-dir", _root]);
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent heading = Assert.Single(forkhost.EventsWithId(EventIds.StateAudit));
        Assert.StartsWith("Fork-safety audit (2 findings):", heading.Message, StringComparison.Ordinal);
        IReadOnlyList<SupervisorLogEvent> findings = forkhost.EventsWithId(EventIds.StateFinding);
        Assert.Equal(["Session", "RateLimiter"], findings.Select(f => f.String("Kind")));
        Assert.Contains("each of the 4 workers keeps its own sessions", findings[0].String("Finding"));
        Assert.Contains("up to 4× the configured permits", findings[1].String("Finding"));
        Assert.All(findings, f => Assert.Equal("Warning", f.Level));

        // A new generation is audited again, once.
        forkhost.Signal(Interop.Signals.SIGHUP);
        await forkhost.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(2, forkhost.EventsWithId(EventIds.StateAudit).Count);
        Assert.Equal(4, forkhost.EventsWithId(EventIds.StateFinding).Count);
        Assert.Empty(forkhost.EventsWithId(EventIds.Halting));
    }

    [Fact]
    public async Task Strict_mode_exits_5_before_serving_on_an_unplaced_hosted_service_and_leaves_no_worker()
    {
        string marker = Path.Combine(_root, "hosted-service-ran");
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.TestApp(nameof(PerProcessStateApp)), "--workers", "4", "--bind", "127.0.0.1:0", "--state-dir", _root, "--fork-safety", "strict"],
            new Dictionary<string, string> { ["PerProcessStateApp__HostedService"] = marker });

        Assert.Equal(5, await forkhost.WaitForExitAsync());
        SupervisorLogEvent halt = Assert.Single(forkhost.EventsWithId(EventIds.Halting));
        Assert.StartsWith("--fork-safety strict: refusing to start: hosted service ForkHost.TestApps.PerProcessStateApp+MarkerWritingService runs in each of the 4 workers",
            halt.String("Reason"), StringComparison.Ordinal);
        Assert.Contains("AddPlacedHostedService<PerProcessStateApp.MarkerWritingService>()", halt.String("Reason"));
        // The warnings are not refused: the reason names only what loses data.
        Assert.DoesNotContain("AddRateLimiter", halt.String("Reason"));
        AssertRefusedBeforeServing(forkhost);
        Assert.False(File.Exists(marker), "the hosted service ran in a refused worker");
    }

    [Fact]
    public async Task Strict_mode_exits_5_before_serving_on_a_key_ring_that_is_not_persisted()
    {
        await using var forkhost = ForkHostProcess.Start(
            ["run", "--app", RepositoryPaths.TestApp(nameof(PerProcessStateApp)), "--workers", "2", "--bind", "127.0.0.1:0", "--fork-safety", "strict"],
            new Dictionary<string, string> { ["HOME"] = "", ["XDG_STATE_HOME"] = "", ["STATE_DIRECTORY"] = "" });

        Assert.Equal(5, await forkhost.WaitForExitAsync());
        SupervisorLogEvent halt = Assert.Single(forkhost.EventsWithId(EventIds.Halting));
        Assert.StartsWith("--fork-safety strict: refusing to start: Data Protection: the key ring is kept in each worker's memory", halt.String("Reason"), StringComparison.Ordinal);
        Assert.Contains("--state-dir", halt.String("Reason"));
        AssertRefusedBeforeServing(forkhost);
    }

    /// <summary>No worker became ready, none was counted as a boot failure, and none outlived the supervisor.</summary>
    private static void AssertRefusedBeforeServing(SupervisorProcess forkhost)
    {
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerReady));
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerBootFailed));
        Assert.NotEmpty(forkhost.AllSpawnedWorkerPids);
        Assert.All(forkhost.AllSpawnedWorkerPids, pid => Assert.False(ProcessTable.IsAlive(pid), $"worker {pid} is still alive"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
