using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>Options that name the wrong kind of path are reported under their own name, in one line, with exit code 2.</summary>
public sealed class StartupValidationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-validation-").FullName;

    [Fact]
    public async Task A_pid_file_in_a_missing_directory_is_a_pid_file_error()
    {
        string pidFile = Path.Combine(_directory, "missing", "forkhost.pid");

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--pid-file", pidFile);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"forkhost: --pid-file '{pidFile}': directory {Path.GetDirectoryName(pidFile)} does not exist; create it (under systemd, RuntimeDirectory=) or choose another path.", line);
        Assert.Empty(forkhost.EventsWithId(EventIds.SupervisorStarting));
    }

    [Fact]
    public async Task A_pid_file_that_is_a_directory_is_a_pid_file_error()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--pid-file", _directory);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: --pid-file '{_directory}': {_directory} is a directory; give a file path", line);
    }

    [Fact]
    public async Task An_app_that_is_a_directory_says_so_and_what_to_pass_instead()
    {
        await using var forkhost = ForkHostProcess.Run(_directory, "--bind", "127.0.0.1:0");

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: --app '{_directory}': '{_directory}' is a directory; pass the app's assembly, the .dll that dotnet build writes", line);
        Assert.DoesNotContain("does not exist", line);
    }

    [Fact]
    public void Loading_an_app_again_adds_no_second_dependency_resolver()
    {
        var specification = new AppSpecification(RepositoryPaths.HelloApp, null);
        AppLoader.Load(specification);
        AppLoader.Load(specification);
        AppLoader.Load(specification);

        Assert.Single(AppLoader.ResolverPaths, path => path == Path.GetFullPath(RepositoryPaths.HelloApp));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
