using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;
using ForkHost.Tests.MySql;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// A NativeAOT build needs no memory that is written and then executed, so it runs where the kernel refuses that
/// (systemd's MemoryDenyWriteExecute=yes, a hardened container): supervisor and workers, which inherit the
/// restriction. The JIT build, under the same wrapper, cannot even start: the proof that the wrapper restricts something.
/// </summary>
[Collection(MySqlCollection.Name)]
public sealed class MemoryDenyWriteExecuteTests(MySqlServerFixture mySql) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-mdwe-").FullName;

    [Fact]
    public async Task The_nativeaot_build_serves_from_four_workers_under_mdwe_and_the_jit_build_does_not_start()
    {
        string aot = CommentsExecutable.Path(OwnExecutableBuild.NativeAot);
        string jit = CommentsExecutable.Path(OwnExecutableBuild.Jit);
        string wrapper = await MemoryDenyWriteExecuteWrapper.CompileAsync(_directory);
        var environment = new Dictionary<string, string> { ["FORKHOST_MYSQL"] = mySql.ConnectionString };

        // execv keeps the pid: the supervisor is the wrapper's process, and its workers are its children.
        await using (SupervisorProcess comments = ForkHostProcess.Start([aot, "--workers", "4", "--bind", "127.0.0.1:0"], environment,
            executable: wrapper, ownExecutable: true))
        {
            Uri address = await comments.WaitForHttpAddressAsync();
            await comments.WaitForAllReadyAsync();
            IReadOnlyList<int> workers = comments.WorkerPids();
            Assert.Equal(4, workers.Count);
            using HttpClient client = Http.CreateClient();
            HashSet<int> answering = await CommentsWorkers.AnsweringPidsAsync(client, address, workers, TimeSpan.FromSeconds(15));
            Assert.Equal(workers.Order(), answering.Order());
            comments.Signal(Interop.Signals.SIGTERM);
            Assert.Equal(0, await comments.WaitForExitAsync());
        }

        await using (SupervisorProcess comments = ForkHostProcess.Start([jit, "--workers", "4", "--bind", "127.0.0.1:0"], environment,
            executable: wrapper, ownExecutable: true))
        {
            int exitCode = await comments.WaitForExitAsync();
            // The runtime dies as it sets up its executable memory (on .NET 10: SIGSEGV, exit 139), long before it logs.
            Assert.True(exitCode != 0, $"the JIT build exited 0 under the wrapper\n{comments.Diagnostics()}");
            Assert.Empty(comments.EventsWithId(EventIds.SupervisorStarting));
            Assert.Empty(comments.AllSpawnedWorkerPids);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
