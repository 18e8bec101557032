using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// Comments as its own executable, JIT and NativeAOT alike: the program is the supervisor, each worker is the same
/// program again, and it serves, replaces, reloads and stops as forkhost run does. Every answer counted comes from the
/// app (/echo: the worker's pid and the database's echo), every pid from the kernel.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class OwnExecutableServingTests(MySqlServerFixture mySql)
{
    private static readonly TimeSpan AllAnswer = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(OwnExecutableBuild.Jit)]
    [InlineData(OwnExecutableBuild.NativeAot)]
    public async Task Four_workers_answer_each_the_program_itself_named_forkhost_worker(OwnExecutableBuild build)
    {
        string program = CommentsExecutable.Path(build);
        await using SupervisorProcess comments = CommentsExecutable.Start(program, mySql, workers: 4);
        Uri address = await comments.WaitForHttpAddressAsync();
        await comments.WaitForAllReadyAsync();

        IReadOnlyList<int> workers = comments.WorkerPids();
        Assert.Equal(4, workers.Count);
        using HttpClient client = Http.CreateClient();
        HashSet<int> answering = await CommentsWorkers.AnsweringPidsAsync(client, address, workers, AllAnswer);
        Assert.Equal(workers.Order(), answering.Order());
        // Started again through /proc/self/exe: the very file the supervisor runs, not forkhost, under the worker's name.
        string programFile = Path.GetFullPath(program);
        Assert.All(workers, pid =>
        {
            Assert.Equal("forkhost-worker", ProcessTable.CommandName(pid));
            Assert.Equal(programFile, new FileInfo($"/proc/{pid}/exe").LinkTarget);
        });
        SupervisorLogEvent starting = await comments.WaitForEventAsync(EventIds.SupervisorStarting);
        Assert.Contains("app Comments.CommentsApp (this program, Comments ", starting.Message);
    }

    [Theory]
    [InlineData(OwnExecutableBuild.Jit)]
    [InlineData(OwnExecutableBuild.NativeAot)]
    public async Task A_sigkilled_worker_is_replaced_by_a_new_process_that_answers(OwnExecutableBuild build)
    {
        await using SupervisorProcess comments = CommentsExecutable.Start(CommentsExecutable.Path(build), mySql, workers: 4);
        Uri address = await comments.WaitForHttpAddressAsync();
        await comments.WaitForAllReadyAsync();
        IReadOnlyList<int> before = comments.WorkerPids();
        Assert.Equal(4, before.Count);

        int killed = before[0];
        Assert.Equal(0, Interop.Libc.Kill(killed, Interop.Signals.SIGKILL));
        await Eventually.HoldsAsync(() => comments.WorkerPids() is { Count: 4 } now && !now.Contains(killed), TimeSpan.FromSeconds(15),
            "four workers again, without the killed one", comments.Diagnostics);
        IReadOnlyList<int> after = comments.WorkerPids();
        int replacement = Assert.Single(after.Except(before));
        await comments.WaitForEventAsync(EventIds.WorkerReady, e => e.Int("WorkerPid") == replacement);

        using HttpClient client = Http.CreateClient();
        HashSet<int> answering = await CommentsWorkers.AnsweringPidsAsync(client, address, after, AllAnswer);
        Assert.Equal(after.Order(), answering.Order());
        Assert.Equal("forkhost-worker", ProcessTable.CommandName(replacement));
    }

    [Theory]
    [InlineData(OwnExecutableBuild.Jit)]
    [InlineData(OwnExecutableBuild.NativeAot)]
    public async Task A_hup_reload_under_continuous_load_fails_no_request_and_replaces_every_worker(OwnExecutableBuild build)
    {
        await using SupervisorProcess comments = CommentsExecutable.Start(CommentsExecutable.Path(build), mySql, workers: 4, "--graceful-timeout", "10");
        Uri address = await comments.WaitForHttpAddressAsync();
        await comments.WaitForAllReadyAsync();
        IReadOnlyList<int> firstGeneration = comments.WorkerPids();

        // Keep-alive clients through the database and back, from before the signal until the new generation serves.
        await using var load = ContinuousLoad.Start(new Uri(address, "/echo?n=42"), clients: 4);
        await Task.Delay(300);
        comments.Signal(Interop.Signals.SIGHUP);
        SupervisorLogEvent reloaded = await comments.WaitForEventAsync(EventIds.Reloaded, timeout: TimeSpan.FromSeconds(30));
        await Task.Delay(300);
        await load.StopAsync();

        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed requests: {string.Join("; ", load.Failures.Distinct().Take(5))}");
        Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
        Assert.Equal(2, reloaded.Int("Generation"));
        var secondGeneration = comments.EventsWithId(EventIds.WorkerSpawned).Where(e => e.Int("WorkerGeneration") == 2).Select(e => e.Int("WorkerPid")).ToList();
        Assert.Equal(4, secondGeneration.Count);
        Assert.Empty(secondGeneration.Intersect(firstGeneration));
        await Eventually.HoldsAsync(() => comments.WorkerPids().Order().SequenceEqual(secondGeneration.Order()), TimeSpan.FromSeconds(15),
            "only the second generation is left", comments.Diagnostics);
        using HttpClient client = Http.CreateClient();
        Assert.Equal(secondGeneration.Order(), (await CommentsWorkers.AnsweringPidsAsync(client, address, secondGeneration, AllAnswer)).Order());
    }

    [Theory]
    [InlineData(OwnExecutableBuild.Jit)]
    [InlineData(OwnExecutableBuild.NativeAot)]
    public async Task Sigterm_exits_0_and_leaves_no_worker(OwnExecutableBuild build)
    {
        await using SupervisorProcess comments = CommentsExecutable.Start(CommentsExecutable.Path(build), mySql, workers: 4);
        Uri address = await comments.WaitForHttpAddressAsync();
        await comments.WaitForAllReadyAsync();
        IReadOnlyList<int> workers = comments.WorkerPids();
        Assert.Equal(4, workers.Count);
        using HttpClient client = Http.CreateClient();
        await CommentsWorkers.EchoAsync(client, address, 1);

        comments.Signal(Interop.Signals.SIGTERM);
        Assert.Equal(0, await comments.WaitForExitAsync());
        Assert.All(workers, pid => Assert.False(ProcessTable.IsAlive(pid), $"worker {pid} still runs: {ProcessTable.CommandLine(pid)}"));
        Assert.Equal(workers.Order(), comments.AllSpawnedWorkerPids.Order());
    }
}
