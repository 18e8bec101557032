using System.Diagnostics;
using ForkHost.Logging;
using ForkHost.Supervisor.Workers;

namespace ForkHost.Lab.Processes;

/// <summary>
/// A real <c>forkhost</c> started as a child process, exactly as a user would run it: the demo runs each scenario
/// under one, and the process-level tests every supervisor (and <c>status</c> or <c>demo</c>) they check. A
/// <c>run</c> logs compact JSON, so each event is parsed and can be waited for. Everything it writes is kept (a
/// supervisor's own output is small: the access log, the one line a request, is off unless asked for, and tests
/// read all of it); <see cref="Diagnostics"/> gives a bounded tail. Disposal stops it, and kills any worker it
/// left behind, so a failure leaves no process running.
/// </summary>
internal sealed class SupervisorProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    /// <summary>Characters of each stream in <see cref="Diagnostics"/>: enough for a stack trace and the events before it.</summary>
    private const int DiagnosticsTail = 6000;

    private static readonly TimeSpan ExitAfterKill = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly SupervisorStartInfo _startInfo;
    private readonly Lock _lock = new();
    private readonly List<SupervisorLogEvent> _events = [];
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly HashSet<int> _spawnedWorkerPids = [];
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed, and replaced, on every event, on exit and at the end of its output: what a waiter awaits.</summary>
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private int _openStreams = 2;

    private SupervisorProcess(Process process, SupervisorStartInfo startInfo)
    {
        _process = process;
        _startInfo = startInfo;
    }

    public static SupervisorProcess Start(SupervisorStartInfo startInfo)
    {
        var processStartInfo = new ProcessStartInfo(startInfo.DescriptorLimit is null ? startInfo.Executable : "prlimit")
        {
            WorkingDirectory = startInfo.WorkingDirectory ?? "",
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = startInfo.RedirectStandardInput,
        };
        if (startInfo.DescriptorLimit is int limit)
        {
            processStartInfo.ArgumentList.Add($"--nofile={limit}:{limit}");
            processStartInfo.ArgumentList.Add("--");
            processStartInfo.ArgumentList.Add(startInfo.Executable);
        }
        foreach (string argument in startInfo.Arguments)
            processStartInfo.ArgumentList.Add(argument);
        if (Serves(startInfo) && !startInfo.Arguments.Contains("--log-format"))
        {
            processStartInfo.ArgumentList.Add("--log-format");
            processStartInfo.ArgumentList.Add("json");
        }
        foreach ((string name, string? value) in startInfo.Environment)
        {
            if (value is null)
                processStartInfo.Environment.Remove(name);
            else
                processStartInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = processStartInfo, EnableRaisingEvents = true };
        var child = new SupervisorProcess(process, startInfo);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, child._stdout);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, child._stderr);
        process.Exited += (_, _) => child.OnChanged();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Pid => _process.Id;

    /// <summary>A supervisor's command line: forkhost's <c>run</c>, or an app's own executable given options, not a command.</summary>
    private static bool Serves(SupervisorStartInfo startInfo) =>
        startInfo.Arguments.FirstOrDefault() == "run"
        || (startInfo.IsOwnExecutable && startInfo.Arguments.FirstOrDefault() is not ("status" or "--version"));

    public IReadOnlyList<SupervisorLogEvent> Events
    {
        get
        {
            lock (_lock)
                return _events.ToList();
        }
    }

    public IReadOnlyList<SupervisorLogEvent> EventsWithId(int eventId)
    {
        lock (_lock)
            return _events.Where(e => e.EventId == eventId).ToList();
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

    /// <summary>Every worker pid it ever reported spawning, live or not.</summary>
    public IReadOnlyCollection<int> AllSpawnedWorkerPids
    {
        get
        {
            lock (_lock)
                return _spawnedWorkerPids.ToList();
        }
    }

    /// <summary>Waits for the <paramref name="count"/>-th event with this id that matches <paramref name="filter"/>.</summary>
    /// <exception cref="SupervisorExitedException">It exited first.</exception>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/> (default <see cref="DefaultWait"/>).</exception>
    public async Task<SupervisorLogEvent> WaitForEventAsync(int eventId, Func<SupervisorLogEvent, bool>? filter = null, int count = 1, TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultWait;
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            // Finished before the snapshot means every event is in it; the change awaited is taken with the
            // snapshot, so an event added after it cannot be missed.
            bool finished = HasFinished;
            Task changed;
            List<SupervisorLogEvent> candidates;
            lock (_lock)
            {
                changed = _changed.Task;
                candidates = _events.Where(e => e.EventId == eventId).ToList();
            }
            var matches = filter is null ? candidates : candidates.Where(filter).ToList();
            if (matches.Count >= count)
                return matches[count - 1];
            if (finished)
                throw new SupervisorExitedException(_process.ExitCode, $"forkhost exited ({_process.ExitCode}) before event {eventId} appeared.\n{Diagnostics()}");
            TimeSpan remaining = limit - elapsed.Elapsed;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"No event {eventId} within {limit.TotalSeconds} s.\n{Diagnostics()}");
            await Task.WhenAny(changed, Task.Delay(remaining));
        }
    }

    /// <summary>The first TCP address it bound, as it reported it.</summary>
    public async Task<Uri> WaitForHttpAddressAsync(TimeSpan? timeout = null)
    {
        SupervisorLogEvent listening = await WaitForEventAsync(
            EventIds.Listening, e => e.String("Address")?.StartsWith("http", StringComparison.Ordinal) == true, timeout: timeout);
        return new Uri(listening.String("Address")!);
    }

    public Task<SupervisorLogEvent> WaitForAllReadyAsync(TimeSpan? timeout = null) => WaitForEventAsync(EventIds.AllWorkersReady, timeout: timeout);

    /// <returns>Its exit code, once it has exited and its output has been read to the end.</returns>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultWait;
        using var cancellation = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            await _outputClosed.Task.WaitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"forkhost did not exit (or something it started still holds its output) within {limit.TotalSeconds} s.\n{Diagnostics()}");
        }
        return _process.ExitCode;
    }

    /// <summary>
    /// Its exit code once the process itself has exited, without waiting for the end of its output: after SIGUSR2 the
    /// successor it started writes to the same output, and keeps it open, long after this one is gone.
    /// </summary>
    public async Task<int> WaitForProcessExitAsync(TimeSpan? timeout = null)
    {
        TimeSpan limit = timeout ?? DefaultWait;
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            // Not Process.WaitForExitAsync: with its output redirected, that waits for the end of the output too.
            Task changed;
            lock (_lock)
                changed = _changed.Task;
            if (_process.HasExited)
                return _process.ExitCode;
            TimeSpan remaining = limit - elapsed.Elapsed;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"forkhost (pid {Pid}) did not exit within {limit.TotalSeconds} s.\n{Diagnostics()}");
            // Exited completes the change; the delay bounds each wait whatever happens.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromMilliseconds(Math.Min(remaining.TotalMilliseconds, 100))));
        }
    }

    /// <summary>The end of what it wrote to each stream, for a failure message.</summary>
    public string Diagnostics()
    {
        lock (_lock)
            return $"--- stdout ---\n{Tail(_stdout)}\n--- stderr ---\n{Tail(_stderr)}";
    }

    /// <summary>
    /// SIGTERM, as a service manager stops it; if it has not exited within <paramref name="gracePeriod"/> (at once
    /// for zero), SIGKILL to it and everything below it. Then SIGKILL to any worker it spawned that still runs: one
    /// re-parented away from it (an upgrade's, or one orphaned by a kill) is no longer below it.
    /// </summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        if (!_process.HasExited && gracePeriod > TimeSpan.Zero)
        {
            _ = Interop.Libc.Kill(Pid, Interop.Signals.SIGTERM);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(gracePeriod);
            }
            catch (TimeoutException)
            {
            }
        }
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (AggregateException)
            {
                // A descendant it may not signal (a worker under another --user): it has been killed itself, and its
                // workers follow it (PR_SET_PDEATHSIG).
            }
        }
        foreach (int pid in AllSpawnedWorkerPids.Where(IsRunningWorker))
            _ = Interop.Libc.Kill(pid, Interop.Signals.SIGKILL);
        await _process.WaitForExitAsync().WaitAsync(ExitAfterKill);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_startInfo.StopGracePeriod);
        _process.Dispose();
    }

    private bool HasFinished => _process.HasExited && _outputClosed.Task.IsCompleted;

    private void OnLine(string? line, List<string> stream)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _outputClosed.TrySetResult();
                OnChanged();
            }
            return;
        }
        _startInfo.Echo?.WriteLine(line);
        // Only a run's stdout carries log events; stderr has the errors written before logging could start.
        SupervisorLogEvent? parsed = stream == _stdout ? SupervisorLogEvent.TryParse(line) : null;
        lock (_lock)
        {
            Retain(stream, line);
            if (parsed is not null)
            {
                Retain(_events, parsed);
                if (parsed.EventId == EventIds.WorkerSpawned)
                    _spawnedWorkerPids.Add(parsed.Int("WorkerPid"));
            }
        }
        if (parsed is not null)
            OnChanged();
    }

    private void Retain<T>(List<T> kept, T item)
    {
        kept.Add(item);
        // Trimmed in batches (a quarter of the limit at a time), not one line per line.
        if (_startInfo.RetainedLines is int limit && kept.Count > limit + (limit / 4))
            kept.RemoveRange(0, kept.Count - limit);
    }

    private void OnChanged()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private static string Tail(List<string> lines)
    {
        string text = string.Join('\n', lines);
        return text.Length > DiagnosticsTail ? "…" + text[^DiagnosticsTail..] : text;
    }

    /// <summary>
    /// Still a forkhost-worker: a pid that has exited and been reused by another program is left alone, and a zombie
    /// (an empty command line) needs no signal.
    /// </summary>
    private static bool IsRunningWorker(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(ForkHost.Channel.ChannelProtocol.WorkerMarker, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
