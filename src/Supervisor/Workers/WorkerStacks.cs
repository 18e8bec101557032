using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using ForkHost.Supervisor.Configuration;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Runtime;

namespace ForkHost.Supervisor.Workers;

/// <summary>What <see cref="IWorkerStackCapture"/> found: every managed thread's stack, or why there is none.</summary>
/// <param name="Text">One block per managed thread, innermost frame first; null when unavailable.</param>
/// <param name="Threads">Managed threads alive in the worker.</param>
/// <param name="Unavailable">Why there are no stacks, or null.</param>
internal sealed record WorkerStacks(string? Text, int Threads, string? Unavailable);

/// <summary>A dump kept in --dump-dir: its path, or why there is none.</summary>
internal sealed record WorkerDump(string? Path, string? Failure);

/// <summary>The managed stacks and a dump of a live worker, for a stuck request (a fake one in the arbiter's tests).</summary>
internal interface IWorkerStackCapture
{
    Task<WorkerStacks> CaptureAsync(int pid, CancellationToken cancellationToken);

    /// <summary>A full dump, with the heap, into <paramref name="directory"/>.</summary>
    Task<WorkerDump> WriteDumpAsync(int pid, string directory, CancellationToken cancellationToken);
}

/// <summary>
/// Every managed thread's stack, through the runtime's own diagnostics: the supervisor asks the worker's runtime, over
/// its diagnostics socket (<see cref="DiagnosticsClient"/>), to write a dump (the runtime's createdump, a child of the
/// worker, so no ptrace permission is needed beyond what the runtime sets up), then walks each thread's stack in it
/// with ClrMD, the library dotnet-dump's analysis is built on. A dump holds the runtime's own list of threads, so every
/// managed thread is there, blocked or running, with no sampling window to miss one; and methods are named from the
/// dump itself, with nothing to resolve afterwards. The stacks come from the small kind of dump (thread stacks and
/// what the runtime needs to walk them, a few MiB) in the temporary directory, deleted once read; with --dump-dir a
/// full dump with the heap is then written there and kept, for <c>dotnet-dump analyze</c>. The worker is paused while
/// a dump is written (under a second for the small kind); its other requests wait, none fails.
/// </summary>
/// <remarks>
/// An async request waiting at an <c>await</c> holds no thread, so it is on no stack; only code that blocks a thread
/// (a synchronous wait, sync-over-async, a loop) shows. A heap dump (--dump-dir) has its continuations:
/// <c>dotnet-dump analyze</c>, then <c>dumpasync</c>.
/// Created only through <see cref="WorkerStackCaptures.For"/>, whose guard keeps it (and ClrMD) out of a NativeAOT build.
/// </remarks>
[RequiresDynamicCode("ClrMD reads the dump of a JIT runtime through its DAC; a NativeAOT worker has neither the DAC nor createdump.")]
internal sealed class DiagnosticsStackCapture(WorkerDiagnosticsMode mode) : IWorkerStackCapture
{
    /// <summary>Frames shown per thread; deeper ones are counted.</summary>
    public const int MaxFrames = 64;

    private static readonly TimeSpan DumpTimeout = TimeSpan.FromMinutes(2);

    public async Task<WorkerStacks> CaptureAsync(int pid, CancellationToken cancellationToken)
    {
        if (mode == WorkerDiagnosticsMode.Off)
            return new WorkerStacks(null, 0, NoSocket);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DumpTimeout);
        string path = Path.Combine(Path.GetTempPath(), $"forkhost-stacks-{pid}-{Guid.NewGuid():N}.dmp");
        try
        {
            await new DiagnosticsClient(pid).WriteDumpAsync(DumpType.Normal, path, logDumpGeneration: false, timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TryDelete(path);
            return new WorkerStacks(null, 0, $"the worker's runtime did not write a dump: {e.GetType().Name}: {e.Message}");
        }
        try
        {
            (string text, int threads) = ReadStacks(path);
            return new WorkerStacks(text, threads, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new WorkerStacks(null, 0, $"the dump could not be read: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            TryDelete(path);
        }
    }

    public async Task<WorkerDump> WriteDumpAsync(int pid, string directory, CancellationToken cancellationToken)
    {
        if (mode == WorkerDiagnosticsMode.Off)
            return new WorkerDump(null, NoSocket);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DumpTimeout);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string path = Path.Combine(directory, $"forkhost-worker-{pid}-{stamp}.dmp");
        try
        {
            await new DiagnosticsClient(pid).WriteDumpAsync(DumpType.WithHeap, path, logDumpGeneration: false, timeout.Token);
            return new WorkerDump(path, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TryDelete(path);
            return new WorkerDump(null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private const string NoSocket = "--worker-diagnostics off: workers have no diagnostics socket, so their stacks cannot be read";

    /// <summary>Each managed thread alive in the dump, with its managed frames, innermost first.</summary>
    internal static (string Text, int Threads) ReadStacks(string dumpPath)
    {
        using DataTarget target = DataTarget.LoadDump(dumpPath);
        ClrInfo clr = target.ClrVersions.First();
        // The runtime's own DAC, next to the libcoreclr the dump names: the worker ran the runtime installed here. A
        // small dump does not carry the runtime's version, which ClrMD would otherwise check the DAC against.
        string dac = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", "libmscordaccore.so");
        using ClrRuntime runtime = File.Exists(dac) ? clr.CreateRuntime(dac, ignoreMismatch: true) : clr.CreateRuntime();

        var text = new StringBuilder();
        int threads = 0;
        foreach (ClrThread thread in runtime.Threads)
        {
            if (!thread.IsAlive)
                continue;
            threads++;
            var frames = thread.EnumerateStackTrace()
                .Where(frame => frame.Kind == ClrStackFrameKind.ManagedMethod)
                .Select(frame => frame.Method?.Signature ?? frame.FrameName ?? "?")
                .ToList();
            text.Append(CultureInfo.InvariantCulture, $"Thread {thread.ManagedThreadId} (OS thread {thread.OSThreadId}):");
            if (frames.Count == 0)
                text.Append(" no managed frames");
            text.Append('\n');
            foreach (string frame in frames.Take(MaxFrames))
                text.Append("   at ").Append(frame).Append('\n');
            if (frames.Count > MaxFrames)
                text.Append(CultureInfo.InvariantCulture, $"   … {frames.Count - MaxFrames} more frames\n");
        }
        return (text.ToString().TrimEnd('\n'), threads);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary dump is untidy, never a reason to fail.
        }
    }
}
