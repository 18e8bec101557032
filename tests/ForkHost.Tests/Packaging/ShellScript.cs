using System.Diagnostics;

namespace ForkHost.Tests.Packaging;

/// <summary>
/// A bash script run as a child process, as a user would type it: its output kept line by line (stderr's lines
/// marked), lines fed to its stdin, a line awaited. Disposal kills it and everything below it.
/// </summary>
internal sealed class ShellScript : IDisposable
{
    private const int DiagnosticsTail = 12_000;

    private readonly Process _process;
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];
    private bool _disposed;

    private ShellScript(Process process) => _process = process;

    public static ShellScript Start(string scriptPath, string workingDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(scriptPath);
        foreach ((string name, string? value) in environment)
            startInfo.Environment[name] = value;
        var process = new Process { StartInfo = startInfo };
        var script = new ShellScript(process);
        process.OutputDataReceived += (_, e) => script.Add(e.Data, "");
        process.ErrorDataReceived += (_, e) => script.Add(e.Data, "stderr: ");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return script;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for a line of its stdout that starts with <paramref name="prefix"/> and returns the rest of it.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            string? line;
            lock (_lock)
                line = _lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (line is not null)
                return line[prefix.Length..];
            if (_process.HasExited)
            {
                _process.WaitForExit(); // the rest of its output
                Assert.Fail($"The script exited ({_process.ExitCode}) before {what}.\n{Diagnostics()}");
            }
            if (watch.Elapsed > timeout)
                Assert.Fail($"Not within {timeout.TotalSeconds} s: {what}.\n{Diagnostics()}");
            await Task.Delay(50);
        }
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout, string what)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Not within {timeout.TotalSeconds} s: {what}.\n{Diagnostics()}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The end of what it wrote, for a failure message.</summary>
    public string Diagnostics()
    {
        string all;
        lock (_lock)
            all = string.Join('\n', _lines);
        return all.Length <= DiagnosticsTail ? all : "…" + all[^DiagnosticsTail..];
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or AggregateException)
            {
                // Exited meanwhile, or a descendant already gone.
            }
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
    }

    private void Add(string? line, string marker)
    {
        if (line is null)
            return;
        lock (_lock)
            _lines.Add(marker + line);
    }
}
