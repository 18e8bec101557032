using System.Diagnostics;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// The JIT build of Comments (apphost, Comments.dll and the rest) copied to a directory of its own, where a test may
/// deploy another build over it as a release would, without touching the build output other tests run.
/// </summary>
internal sealed class CommentsCopy : IDisposable
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(30);

    private CommentsCopy(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>The apphost: the program a supervisor starts from, and its workers (through /proc/self/exe) again.</summary>
    public string Program => Path.Combine(Directory, "Comments");

    /// <summary>The app's code, read from disk by every process the apphost starts.</summary>
    public string Assembly => Path.Combine(Directory, "Comments.dll");

    public static CommentsCopy Create()
    {
        string source = Path.GetDirectoryName(CommentsExecutable.Path(OwnExecutableBuild.Jit))!;
        string target = System.IO.Directory.CreateTempSubdirectory("forkhost-comments-copy-").FullName;
        foreach (string file in System.IO.Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            // File.Copy keeps the mode: the apphost stays executable.
            File.Copy(file, copy);
        }
        return new CommentsCopy(target);
    }

    /// <summary>Replaces Comments.dll with another build of it (a new MVID), renamed over the old file as a deploy would.</summary>
    public void DeployAnotherBuild() => ModuleVersionId.Replace(Assembly);

    /// <summary>
    /// The build the program on disk is, as its <c>--version</c> prints it and as ForkHost names builds everywhere:
    /// "Comments 0.9.0 (build 1ad63426f9fd)".
    /// </summary>
    public async Task<string> BuildAsync()
    {
        var startInfo = new ProcessStartInfo(Program, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process version = Process.Start(startInfo)!;
        Task<string> output = version.StandardOutput.ReadToEndAsync();
        Task<string> errors = version.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(VersionTimeout);
        await version.WaitForExitAsync(timeout.Token);
        string line = (await output).Trim();
        Assert.True(version.ExitCode == 0, $"{Program} --version exited {version.ExitCode}: {line}{await errors}");
        // "Comments 0.9.0 (build 1ad63426f9fd), on ForkHost 0.9.0"
        int on = line.IndexOf(", on ForkHost ", StringComparison.Ordinal);
        Assert.True(on > 0, $"unexpected --version output: {line}");
        return line[..on];
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
