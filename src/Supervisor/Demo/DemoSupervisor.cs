using System.Diagnostics;
using System.Text.Json;
using ForkHost.Logging;

namespace ForkHost.Supervisor.Demo;

/// <summary>
/// The real supervisor, started by the demo as a child process (<c>forkhost run … --log-format json</c>), exactly as
/// a user would run it. The demo reads its log events to know when it is ready and what its audit found.
/// </summary>
internal sealed class DemoSupervisor : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _audit = [];
    private readonly List<string> _tail = [];
    private readonly bool _verbose;

    private DemoSupervisor(Process process, bool verbose)
    {
        _process = process;
        _verbose = verbose;
    }

    public static DemoSupervisor Start(IReadOnlyList<string> runArguments, bool verbose)
    {
        var startInfo = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "forkhost"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add("run");
        foreach (string argument in runArguments)
            startInfo.ArgumentList.Add(argument);
        startInfo.ArgumentList.Add("--log-format");
        startInfo.ArgumentList.Add("json");
        // The connection string travels in the environment, not on a command line that ps shows.
        startInfo.Environment.Remove("FORKHOST_MYSQL");

        var supervisor = new DemoSupervisor(new Process { StartInfo = startInfo }, verbose);
        supervisor._process.OutputDataReceived += (_, e) => supervisor.OnLine(e.Data);
        supervisor._process.ErrorDataReceived += (_, e) => supervisor.OnLine(e.Data);
        supervisor._process.EnableRaisingEvents = true;
        supervisor._process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException($"forkhost exited early (code {supervisor._process.ExitCode}):\n{supervisor.Tail}");
            supervisor._listening.TrySetException(failure);
            supervisor._ready.TrySetException(failure);
        };
        return supervisor;
    }

    public void Begin(string connectionString)
    {
        _process.StartInfo.Environment["FORKHOST_MYSQL"] = connectionString;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> AuditFindings
    {
        get
        {
            lock (_audit)
                return _audit.ToList();
        }
    }

    public string Tail
    {
        get
        {
            lock (_tail)
                return string.Join('\n', _tail);
        }
    }

    public async Task<Uri> WaitUntilReadyAsync(TimeSpan timeout)
    {
        Uri address = await _listening.Task.WaitAsync(timeout);
        await _ready.Task.WaitAsync(timeout);
        return address;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        lock (_tail)
        {
            _tail.Add(line);
            if (_tail.Count > 40)
                _tail.RemoveAt(0);
        }
        if (_verbose)
            Console.Error.WriteLine(line);
        if (!line.StartsWith('{'))
            return;
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            int id = root.TryGetProperty("EventId", out JsonElement eventId) && eventId.TryGetProperty("Id", out JsonElement value) ? value.GetInt32() : 0;
            switch (id)
            {
                case EventIds.Listening when root.GetProperty("Address").GetString() is { } address && address.StartsWith("http", StringComparison.Ordinal):
                    _listening.TrySetResult(new Uri(address));
                    break;
                case EventIds.AllWorkersReady:
                    _ready.TrySetResult();
                    break;
                case EventIds.ForkSafetyShared or EventIds.ForkSafetyAudit or EventIds.ForkSafetyDisposed:
                    lock (_audit)
                    {
                        string finding = Render(root);
                        if (_audit.Count < 6 && !_audit.Contains(finding))
                            _audit.Add(finding);
                    }
                    break;
            }
        }
        catch (JsonException)
        {
        }
    }

    /// <summary>Renders a compact-JSON event's message template with its properties.</summary>
    private static string Render(JsonElement root)
    {
        string text = root.GetProperty("@mt").GetString() ?? "";
        foreach (JsonProperty property in root.EnumerateObject())
            text = text.Replace("{" + property.Name + "}", property.Value.ToString(), StringComparison.Ordinal);
        return text;
    }

    /// <summary>SIGTERM, as a service manager would; SIGKILL if it has not exited in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited || !IsStarted())
        {
            _process.Dispose();
            return;
        }
        _ = Interop.Libc.Kill(_process.Id, Interop.Signals.SIGTERM);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private bool IsStarted()
    {
        try
        {
            _ = _process.Id;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
