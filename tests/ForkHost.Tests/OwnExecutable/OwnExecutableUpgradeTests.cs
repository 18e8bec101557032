using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// How new code is deployed to an app's own executable: put the new build on disk, send SIGUSR2. The successor is the
/// program now on disk, so it runs, and names, the new build; it takes the listening sockets over under load, and the
/// old supervisor drains and exits 0.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class OwnExecutableUpgradeTests(MySqlServerFixture mySql) : IDisposable
{
    private readonly CommentsCopy _copy = CommentsCopy.Create();

    [Fact]
    public async Task Usr2_after_a_deploy_starts_the_new_build_which_takes_over_under_load_and_the_old_supervisor_exits_0()
    {
        string running = await _copy.BuildAsync();
        await using SupervisorProcess comments = CommentsExecutable.Start(_copy.Program, mySql, workers: 4);
        int successor = 0;
        try
        {
            Uri address = await comments.WaitForHttpAddressAsync();
            await comments.WaitForAllReadyAsync();
            IReadOnlyList<int> oldWorkers = comments.WorkerPids();
            SupervisorLogEvent oldStart = await comments.WaitForEventAsync(EventIds.SupervisorStarting);
            Assert.Contains(running, oldStart.Message);

            _copy.DeployAnotherBuild();
            string deployed = await _copy.BuildAsync();
            Assert.NotEqual(running, deployed);

            await using var load = ContinuousLoad.Start(new Uri(address, "/echo?n=7"), clients: 4);
            await Task.Delay(300);
            comments.Signal(Interop.Signals.SIGUSR2);
            successor = (await comments.WaitForEventAsync(EventIds.Upgrading)).Int("SuccessorPid");
            // The successor writes to the same output: its events are told apart by their Pid.
            SupervisorLogEvent newStart = await comments.WaitForEventAsync(EventIds.SupervisorStarting, e => e.Int("Pid") == successor);
            Assert.Contains($"(this program, {deployed})", newStart.Message);
            await comments.WaitForEventAsync(EventIds.TakingOver, e => e.Int("Pid") == successor, timeout: TimeSpan.FromSeconds(30));

            Assert.Equal(0, await comments.WaitForProcessExitAsync(TimeSpan.FromSeconds(30)));
            SupervisorLogEvent stopped = await comments.WaitForEventAsync(EventIds.SupervisorStopped, e => e.Int("Pid") == comments.Pid);
            Assert.Equal(0, stopped.Int("ExitCode"));
            await Task.Delay(300);
            await load.StopAsync();

            Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed requests: {string.Join("; ", load.Failures.Distinct().Take(5))}");
            Assert.True(load.Answered > 50, $"only {load.Answered} requests answered");
            Assert.All(oldWorkers, pid => Assert.False(ProcessTable.IsAlive(pid), $"the old supervisor's worker {pid} still runs"));
            // The new build's workers, and only they, answer; none refused to boot (they are the successor's build).
            IReadOnlyList<int> newWorkers = ProcessTable.ChildrenOf(successor);
            Assert.Equal(4, newWorkers.Count);
            using HttpClient client = Http.CreateClient();
            HashSet<int> answering = await CommentsWorkers.AnsweringPidsAsync(client, address, newWorkers, TimeSpan.FromSeconds(15));
            Assert.Equal(newWorkers.Order(), answering.Order());
            Assert.Empty(comments.EventsWithId(EventIds.WorkerWrongBuild));
        }
        finally
        {
            // Not below this process (it was the old supervisor's child): disposal of the old one cannot reach it.
            if (successor != 0 && ProcessTable.IsAlive(successor))
            {
                _ = Interop.Libc.Kill(successor, Interop.Signals.SIGTERM);
                var stopping = System.Diagnostics.Stopwatch.StartNew();
                while (ProcessTable.IsAlive(successor) && stopping.Elapsed < TimeSpan.FromSeconds(20))
                    await Task.Delay(20);
                if (ProcessTable.IsAlive(successor))
                    _ = Interop.Libc.Kill(successor, Interop.Signals.SIGKILL);
            }
        }
    }

    public void Dispose() => _copy.Dispose();
}
