using System.Diagnostics;
using Xunit.Abstractions;

namespace ForkHost.Tests.Infrastructure;

/// <summary>A real HAProxy (./dev installs it) run in the foreground from a config a test writes; killed at disposal.</summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    private readonly Process _process;

    private HaproxyProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <param name="config">The whole haproxy.cfg.</param>
    /// <param name="directory">Where to write it.</param>
    /// <param name="output">Where its log lines (stderr) go.</param>
    public static HaproxyProcess Start(string config, string directory, ITestOutputHelper output)
    {
        string path = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(path, config);
        // Debian puts it in /usr/sbin, which a non-root PATH may lack.
        var start = new ProcessStartInfo(File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-f", path, "-db"])
            start.ArgumentList.Add(argument);
        Process haproxy = Process.Start(start)!;
        haproxy.OutputDataReceived += (_, _) => { };
        haproxy.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine($"haproxy: {e.Data}"); };
        haproxy.BeginOutputReadLine();
        haproxy.BeginErrorReadLine();
        return new HaproxyProcess(haproxy);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
