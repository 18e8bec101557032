using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>An app's own executable serves its own app: it takes every option of forkhost run but --app, and says so.</summary>
public sealed class OwnExecutableCommandLineTests
{
    [Theory]
    [InlineData(OwnExecutableBuild.Jit)]
    [InlineData(OwnExecutableBuild.NativeAot)]
    public async Task App_option_is_refused_with_one_line_and_exit_2_before_anything_starts(OwnExecutableBuild build)
    {
        string directory = Directory.CreateTempSubdirectory("forkhost-own-app-").FullName;
        try
        {
            string socket = Path.Combine(directory, "http.sock");
            string pidFile = Path.Combine(directory, "comments.pid");
            await using SupervisorProcess comments = ForkHostProcess.StartOwnExecutable(CommentsExecutable.Path(build),
                ["--app", "x.dll", "--workers", "4", "--bind", $"unix:{socket}", "--pid-file", pidFile]);

            Assert.Equal(2, await comments.WaitForExitAsync());
            string line = Assert.Single(comments.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("Comments: --app 'x.dll': this program serves its own app (Comments.CommentsApp), so it takes every option of forkhost run but --app", line);
            // The supervisor logs "Starting ForkHost" before it binds anything, "Listening at" for every socket and
            // "Spawned worker" for every child: no line at all means it stopped before any of them.
            Assert.Equal("", comments.Stdout);
            Assert.Empty(comments.AllSpawnedWorkerPids);
            Assert.False(Path.Exists(socket), "the unix socket was bound");
            Assert.False(Path.Exists(pidFile), "the pid file was written");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
