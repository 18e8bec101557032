using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// Under the JIT every worker reads the app's assemblies from disk again, so a deploy that overwrote them under a
/// running supervisor would put two versions of the code behind one socket. A worker of another build refuses to boot,
/// naming both; the workers already serving keep the supervisor's code running, and the supervisor stays up.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class WrongBuildTests(MySqlServerFixture mySql) : IDisposable
{
    private readonly CommentsCopy _copy = CommentsCopy.Create();

    [Fact]
    public async Task A_worker_respawned_after_the_assembly_was_replaced_refuses_to_boot_naming_both_builds_while_the_others_serve()
    {
        string running = await _copy.BuildAsync();
        await using SupervisorProcess comments = CommentsExecutable.Start(_copy.Program, mySql, workers: 4);
        Uri address = await comments.WaitForHttpAddressAsync();
        await comments.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = comments.WorkerPids();
        Assert.Equal(4, workers.Count);

        _copy.DeployAnotherBuild();
        string deployed = await _copy.BuildAsync();
        Assert.NotEqual(running, deployed);
        int killed = workers[0];
        Assert.Equal(0, Interop.Libc.Kill(killed, Interop.Signals.SIGKILL));

        SupervisorLogEvent refused = await comments.WaitForEventAsync(EventIds.WorkerWrongBuild);
        string refusal = refused.String("Refusal") ?? "";
        Assert.Contains($"refused to boot: this worker runs {deployed}, not the supervisor's build {running}", refusal);
        Assert.Contains("deploy new code with USR2", refusal);
        // The slot is retried (with backoff) and refused again: the supervisor neither halts nor lets the new build in.
        await comments.WaitForEventAsync(EventIds.WorkerWrongBuild, count: 3);
        Assert.Empty(comments.EventsWithId(EventIds.Halting));
        Assert.DoesNotContain(comments.EventsWithId(EventIds.WorkerReady), e => !workers.Contains(e.Int("WorkerPid")));

        var survivors = workers.Skip(1).ToList();
        using HttpClient client = Http.CreateClient();
        HashSet<int> answering = await CommentsWorkers.AnsweringPidsAsync(client, address, survivors, TimeSpan.FromSeconds(15));
        Assert.Equal(survivors.Order(), answering.Order());
        Assert.True(ProcessTable.IsAlive(comments.Pid), $"the supervisor exited\n{comments.Diagnostics()}");
        Assert.All(survivors, pid => Assert.True(ProcessTable.IsAlive(pid), $"worker {pid} is gone"));
    }

    public void Dispose() => _copy.Dispose();
}
