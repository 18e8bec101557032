using System.Diagnostics;
using System.Text.Json;
using ForkHost.Logging;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// A real <c>forkhost</c> supervisor started by a test, logging compact JSON so the test can wait for events.
/// Disposal kills whatever is left (supervisor and workers), so a failing test leaves no process behind.
/// </summary>
internal sealed class ForkHostProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly List<LogEvent> _events = [];
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<int> _seenWorkerPids = [];

    private ForkHostProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    /// <summary>Starts <c>forkhost ARGS</c> (JSON logs are added for "run").</summary>
    /// <param name="descriptorLimit">
    /// RLIMIT_NOFILE for the supervisor and so its workers, soft and hard (the runtime raises a soft limit to the hard
    /// one at start), set by prlimit(1), which execs the supervisor: its pid is the supervisor's.
    /// </param>
    /// <param name="workingDirectory">Where it runs (it reads appsettings.json from there); default: the test's.</param>
    public static ForkHostProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? executable = null,
        int? descriptorLimit = null, string? workingDirectory = null)
    {
        string program = executable ?? RepositoryPaths.Supervisor;
        var startInfo = new ProcessStartInfo(descriptorLimit is null ? program : "prlimit")
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (descriptorLimit is int limit)
        {
            startInfo.ArgumentList.Add($"--nofile={limit}:{limit}");
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(program);
        }
        var list = args.ToList();
        foreach (string arg in list)
            startInfo.ArgumentList.Add(arg);
        if (list.FirstOrDefault() == "run" && !list.Contains("--log-format"))
        {
            startInfo.ArgumentList.Add("--log-format");
            startInfo.ArgumentList.Add("json");
        }
        if (environment is not null)
        {
            foreach ((string name, string value) in environment)
                startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var handle = new ForkHostProcess(process);
        int openStreams = 2;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                if (Interlocked.Decrement(ref openStreams) == 0)
                    handle._outputClosed.TrySetResult();
                return;
            }
            handle.OnStdout(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                if (Interlocked.Decrement(ref openStreams) == 0)
                    handle._outputClosed.TrySetResult();
                return;
            }
            lock (handle._lock)
                handle._stderr.Add(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return handle;
    }

    public static ForkHostProcess Run(string app, params string[] options) => Start(["run", "--app", app, .. options]);

    private void OnStdout(string line)
    {
        LogEvent? parsed = null;
        if (line.StartsWith('{'))
        {
            try
            {
                parsed = new LogEvent(line, JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }
        lock (_lock)
        {
            _stdout.Add(line);
            if (parsed is not null)
            {
                _events.Add(parsed);
                if (parsed.EventId == EventIds.WorkerSpawned)
                    _seenWorkerPids.Add(parsed.Int("WorkerPid"));
            }
        }
    }

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
                return _events.ToList();
        }
    }

    public string Stdout
    {
        get
        {
            lock (_lock)
                return string.Join('\n', _stdout);
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
                return string.Join('\n', _stderr);
        }
    }

    public IReadOnlyList<LogEvent> EventsWithId(int eventId) => Events.Where(e => e.EventId == eventId).ToList();

    /// <summary>Waits for the <paramref name="count"/>-th event with this id that matches <paramref name="filter"/>.</summary>
    public async Task<LogEvent> WaitForEventAsync(int eventId, Func<LogEvent, bool>? filter = null, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        TimeSpan limit = timeout ?? DefaultWait;
        while (true)
        {
            var matches = Events.Where(e => e.EventId == eventId && (filter?.Invoke(e) ?? true)).ToList();
            if (matches.Count >= count)
                return matches[count - 1];
            if (_process.HasExited && _outputClosed.Task.IsCompleted)
                throw new TimeoutException($"forkhost exited ({_process.ExitCode}) before event {eventId} appeared.\n{Diagnostics()}");
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"No event {eventId} within {limit.TotalSeconds} s.\n{Diagnostics()}");
            await Task.Delay(20);
        }
    }

    /// <summary>The first bound TCP address, as the supervisor reported it.</summary>
    public async Task<Uri> WaitForHttpAddressAsync()
    {
        LogEvent listening = await WaitForEventAsync(EventIds.Listening, e => e.String("Address")!.StartsWith("http", StringComparison.Ordinal));
        return new Uri(listening.String("Address")!);
    }

    public Task<LogEvent> WaitForAllReadyAsync(TimeSpan? timeout = null) => WaitForEventAsync(EventIds.AllWorkersReady, timeout: timeout);

    /// <summary>The supervisor's live child processes, from the kernel's process table.</summary>
    public IReadOnlyList<int> WorkerPids() => ProcessTable.ChildrenOf(Pid);

    /// <summary>Every worker pid the supervisor ever reported spawning.</summary>
    public IReadOnlyCollection<int> AllSpawnedWorkerPids
    {
        get
        {
            lock (_lock)
                return _seenWorkerPids.ToList();
        }
    }

    public void Signal(int signal) => Assert.Equal(0, Interop.Libc.Kill(Pid, signal));

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? DefaultWait);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            await _outputClosed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"forkhost did not exit within {(timeout ?? DefaultWait).TotalSeconds} s.\n{Diagnostics()}");
        }
        return _process.ExitCode;
    }

    public string Diagnostics() => $"--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

    private static string Tail(string text) => text.Length > 6000 ? "…" + text[^6000..] : text;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            IReadOnlyList<int> workers = WorkerPids();
            _ = Interop.Libc.Kill(Pid, Interop.Libc.SIGKILL);
            foreach (int worker in workers)
                _ = Interop.Libc.Kill(worker, Interop.Libc.SIGKILL);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        foreach (int pid in AllSpawnedWorkerPids.Where(ProcessTable.IsAlive))
            _ = Interop.Libc.Kill(pid, Interop.Libc.SIGKILL);
        _process.Dispose();
    }
}
