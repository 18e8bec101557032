using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ForkHost.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ForkHost.Tests.Packaging;

/// <summary>
/// README's "For app authors" commands (its two blocks: the tool serving a new app from --app, and the app published
/// as one NativeAOT executable), run exactly as written, from an empty directory, against the packages in
/// artifacts/packages: a clean NuGet package folder, a temporary DOTNET_CLI_HOME (where the global tool and the
/// template go), FORKHOST_REPO set to this repository and a free port in place of 8000. The test runs the block's
/// run line in the background of the same shell and, once 4 workers have answered, lets the lines after it run, then
/// stops the supervisor with SIGTERM.
/// </summary>
public sealed partial class ForAppAuthorsTests(ITestOutputHelper output)
{
    private const string Section = "## For app authors";
    private const string ReadmeAddress = "127.0.0.1:8000";
    private const string PidMarker = "forkhost-test: pid ";
    private const string AfterMarker = "forkhost-test: after the run line";

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(180);
    // A NativeAOT publish compiles the app, ASP.NET Core and ForkHost to native code: minutes on 2 cores.
    private static readonly TimeSpan AotSetupTimeout = TimeSpan.FromSeconds(600);
    private static readonly TimeSpan WorkersTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_readme_commands_take_an_empty_directory_to_four_workers_serving_a_new_app()
    {
        await RunReadmeBlockAsync(0, "forkhost run ", SetupTimeout, (work, cliHome, diagnostics) =>
        {
            // The global tool went to the temporary DOTNET_CLI_HOME, and the template wrote what it should.
            Assert.True(File.Exists(Path.Combine(cliHome, ".dotnet", "tools", "forkhost")), $"forkhost is not in {cliHome}/.dotnet/tools\n{diagnostics()}");
            string project = File.ReadAllText(Path.Combine(work, "MyApp", "MyApp.csproj"));
            Assert.Contains($"""<PackageReference Include="ForkHost.Hosting" Version="{PackageFolder.Version}" />""", project);
            Assert.Contains("<EnableDynamicLoading>true</EnableDynamicLoading>", project);
            Assert.DoesNotContain("PublishAot", project);
        }, async (root, cliHome) =>
        {
            // The installed tool carries no lab: the demo says so, with exit code 2.
            (int demoExit, string demoError) = await RunAsync(Path.Combine(cliHome, ".dotnet", "tools", "forkhost"), "demo", ShellEnvironment(root, cliHome));
            Assert.True(demoExit == 2, $"forkhost demo exited {demoExit}: {demoError}");
            Assert.Contains("belongs to ForkHost's lab, which this install does not include", demoError);
        });
    }

    [Fact]
    public async Task The_readme_aot_commands_publish_a_new_app_as_one_native_executable_that_serves_from_four_copies_of_itself()
    {
        await RunReadmeBlockAsync(1, "MyApp/native/MyApp ", AotSetupTimeout, (work, _, diagnostics) =>
        {
            string project = File.ReadAllText(Path.Combine(work, "MyApp", "MyApp.csproj"));
            Assert.Contains("<PublishAot>true</PublishAot>", project);
            // The publish is the one ForkHost's own code must pass without a trim or AOT warning.
            Assert.DoesNotMatch(@"warning IL\d{4}", diagnostics());
            string native = Path.Combine(work, "MyApp", "native");
            Assert.False(File.Exists(Path.Combine(native, "MyApp.dll")), $"the publish wrote MyApp.dll: not a NativeAOT build\n{diagnostics()}");
        }, (_, _) => Task.CompletedTask);
    }

    /// <summary>
    /// Runs README's <paramref name="block"/>th ```sh block of the section in an empty directory: the lines before the
    /// one starting <paramref name="runLinePrefix"/> (checked by <paramref name="checkSetup"/>), then that line in the
    /// background until 4 workers answer /whoami (each one a child of it, and the load step its own), then the lines
    /// after it; then SIGTERM, exit 0 and no worker left.
    /// </summary>
    private async Task RunReadmeBlockAsync(int block, string runLinePrefix, TimeSpan setupTimeout,
        Action<string, string, Func<string>> checkSetup, Func<string, string, Task> afterStop)
    {
        foreach (string id in new[] { PackageFolder.Contract, PackageFolder.Hosting, PackageFolder.Tool, PackageFolder.Templates })
            PackageFolder.Package(id);
        int port = LoopbackPorts.Free();
        (string before, string runLine, string after) = ReadmeCommands(port, block, runLinePrefix);

        DirectoryInfo root = Directory.CreateTempSubdirectory("forkhost-app-authors-");
        string work = Directory.CreateDirectory(Path.Combine(root.FullName, "app")).FullName;
        string cliHome = Path.Combine(root.FullName, "cli-home");
        string log = Path.Combine(root.FullName, "forkhost.log");
        string scriptPath = Path.Combine(root.FullName, "readme.sh");
        File.WriteAllText(scriptPath, $"""
            set -euxo pipefail
            {before}
            {runLine} >"{log}" 2>&1 &
            forkhost_test_pid=$!
            echo "{PidMarker}$forkhost_test_pid"
            read -r forkhost_test_go
            {after}
            printf '\n%s\n' "{AfterMarker}"
            wait "$forkhost_test_pid"
            """);

        int forkhostPid = 0;
        var workers = new HashSet<int>();
        ShellScript shell = ShellScript.Start(scriptPath, work, ShellEnvironment(root.FullName, cliHome));
        try
        {
            var phase = Stopwatch.StartNew();
            forkhostPid = int.Parse(await shell.WaitForLineAsync(PidMarker, setupTimeout, "the commands before the run line"), CultureInfo.InvariantCulture);
            output.WriteLine($"the commands before the run line: {phase.Elapsed.TotalSeconds:F1} s");
            string Diagnostics() => $"{shell.Diagnostics()}\n--- forkhost ---\n{ReadLog(log)}";
            checkSetup(work, cliHome, Diagnostics);

            using HttpClient client = Http.CreateClient();
            var address = new Uri($"http://127.0.0.1:{port}");
            var watch = Stopwatch.StartNew();
            while (workers.Count < 4)
            {
                Assert.True(ProcessTable.IsAlive(forkhostPid), $"the supervisor exited before 4 workers answered\n{Diagnostics()}");
                Assert.True(watch.Elapsed < WorkersTimeout, $"Only {workers.Count} workers answered /whoami within {WorkersTimeout.TotalSeconds} s\n{Diagnostics()}");
                try
                {
                    WhoAmI who = await Http.WhoAmIOnNewConnectionAsync(client, address);
                    Assert.Equal(forkhostPid, who.LoadedBy); // the load step ran in the supervisor
                    workers.Add(who.Pid);
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(100); // not listening yet
                }
            }
            Assert.Equal(workers.Order(), ProcessTable.ChildrenOf(forkhostPid).Order());
            output.WriteLine($"4 workers answered {watch.Elapsed.TotalSeconds:F1} s after the run line started");

            shell.WriteLine("go");
            await shell.WaitForLineAsync(AfterMarker, StepTimeout, "the commands after the run line");
            Assert.Matches(@"Hello from worker [1-4] \(pid \d+\)", shell.Diagnostics());

            Assert.Equal(0, Interop.Libc.Kill(forkhostPid, Interop.Signals.SIGTERM));
            int exitCode = await shell.WaitForExitAsync(StepTimeout, "the supervisor's exit after SIGTERM");
            Assert.True(exitCode == 0, $"the supervisor (and so the script) exited {exitCode}\n{Diagnostics()}");
            output.WriteLine($"all of it, to the supervisor's exit: {phase.Elapsed.TotalSeconds:F1} s");
            Assert.False(ProcessTable.IsAlive(forkhostPid));
            Assert.All(workers, pid => Assert.False(ProcessTable.IsAlive(pid), $"worker {pid} outlived its supervisor"));
            await afterStop(root.FullName, cliHome);
        }
        finally
        {
            shell.Dispose();
            foreach (int pid in workers.Append(forkhostPid).Where(pid => pid > 0 && ProcessTable.IsAlive(pid)))
                _ = Interop.Libc.Kill(pid, Interop.Signals.SIGKILL);
            // The template and the tool were installed under cli-home: deleting it uninstalls them.
            try
            {
                root.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                output.WriteLine($"{root.FullName} not deleted: {e.Message}"); // not to hide the failure that got here
            }
        }
    }

    /// <summary>The block's lines before the run line, the run line (with a free port), and the lines after it.</summary>
    private static (string Before, string RunLine, string After) ReadmeCommands(int port, int blockIndex, string runLinePrefix)
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        int start = readme.IndexOf($"\n{Section}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{Section}' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        MatchCollection blocks = ShellBlock().Matches(section);
        Assert.True(blocks.Count > blockIndex, $"README.md's '{Section}' has no ```sh block number {blockIndex + 1}");
        Match block = blocks[blockIndex];

        string[] lines = block.Groups[1].Value.Split('\n');
        int run = Array.FindIndex(lines, line => line.StartsWith(runLinePrefix, StringComparison.Ordinal));
        Assert.True(run >= 0 && lines.Count(line => line.StartsWith(runLinePrefix, StringComparison.Ordinal)) == 1, $"the block needs one '{runLinePrefix}' line");
        Assert.False(lines[run].EndsWith('\\'), $"the '{runLinePrefix}' line must be one line");
        string before = string.Join('\n', lines[..run]), after = string.Join('\n', lines[(run + 1)..]);
        Assert.Contains(ReadmeAddress, lines[run]);
        Assert.Contains(ReadmeAddress, after); // the curl

        string Free(string text) => text.Replace(ReadmeAddress, $"127.0.0.1:{port}", StringComparison.Ordinal);
        return (before, Free(lines[run]), Free(after));
    }

    /// <summary>
    /// This test process's environment, less what the build that runs it may have set for itself, plus the clean NuGet
    /// folder, DOTNET_CLI_HOME and a state directory, all temporary. MSBuild keeps no nodes and the compiler no server,
    /// so nothing outlives the test.
    /// </summary>
    private static Dictionary<string, string?> ShellEnvironment(string root, string cliHome)
    {
        var environment = new Dictionary<string, string?>();
        foreach (DictionaryEntry variable in System.Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                environment[name] = null;
        }
        environment["FORKHOST_REPO"] = RepositoryPaths.Root;
        environment["DOTNET_CLI_HOME"] = cliHome;
        environment["NUGET_PACKAGES"] = Path.Combine(root, "nuget-packages");
        // forkhost's state (the workers' key ring) goes under the temporary directory too, not under $HOME.
        environment["STATE_DIRECTORY"] = null;
        environment["XDG_STATE_HOME"] = Path.Combine(root, "state");
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["UseSharedCompilation"] = "false";
        return environment;
    }

    private static async Task<(int ExitCode, string Stderr)> RunAsync(string executable, string argument, IReadOnlyDictionary<string, string?> environment)
    {
        var startInfo = new ProcessStartInfo(executable, [argument]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach ((string name, string? value) in environment)
            startInfo.Environment[name] = value;
        using Process process = Process.Start(startInfo)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(StepTimeout);
        return (process.ExitCode, await stderr);
    }

    private static string ReadLog(string path)
    {
        try
        {
            string text = File.ReadAllText(path);
            return text.Length <= 8000 ? text : "…" + text[^8000..];
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
