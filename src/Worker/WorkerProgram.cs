using System.Diagnostics;
using ForkHost.Apps;
using ForkHost.Channel;
using ForkHost.Logging;
using ForkHost.Worker.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Extensions.Logging;
using System.Runtime.InteropServices;

namespace ForkHost.Worker;

/// <summary>
/// A worker: the supervisor's own program, started again by the supervisor with the worker's end of a socketpair in
/// FORKHOST_CHANNEL_FD (<see cref="IsWorkerProcess"/>); everything else (configuration, listening sockets) comes
/// through it. The forkhost tool and an app's own executable both enter here, with the app from their
/// <see cref="AppSource"/>.
/// </summary>
internal static partial class WorkerProgram
{
    private const string Marker = ChannelProtocol.WorkerMarker;
    private const string SupervisorPidVariable = ChannelProtocol.SupervisorPidVariable;

    /// <summary>Whether this process was started by a supervisor as one of its workers.</summary>
    public static bool IsWorkerProcess => Environment.GetEnvironmentVariable(ChannelProtocol.ChannelFdVariable) is not null;

    public static async Task<int> RunAsync(AppSource appSource)
    {
        var bootWatch = Stopwatch.StartNew();

        if (!int.TryParse(Environment.GetEnvironmentVariable(ChannelProtocol.ChannelFdVariable), out int channelFd) || channelFd < 3
            || !int.TryParse(Environment.GetEnvironmentVariable(SupervisorPidVariable), out int supervisorPid))
        {
            Console.Error.WriteLine($"{Marker}: a worker is started by its supervisor ('forkhost run', or the app's own executable), not by hand: {ChannelProtocol.ChannelFdVariable} and {SupervisorPidVariable} are not both set.");
            return WorkerExitCodes.NotStartedBySupervisor;
        }
        NameThisProcess();
        // Not for the app's own child processes: one that is this program again must not take itself for a worker.
        Environment.SetEnvironmentVariable(ChannelProtocol.ChannelFdVariable, null);
        Environment.SetEnvironmentVariable(SupervisorPidVariable, null);

        if (!OrphanGuard.Arm(supervisorPid))
        {
            Console.Error.WriteLine($"{Marker}: supervisor {supervisorPid} is already gone; exiting.");
            return WorkerExitCodes.Orphaned;
        }

        using var channel = new ControlChannel(channelFd);
        BootInstructions instructions;
        try
        {
            instructions = BootInstructions.Receive(channel);
        }
        catch (ChannelProtocolException e)
        {
            Console.Error.WriteLine($"{Marker}[{Environment.ProcessId}]: protocol error from the supervisor: {e.Message}");
            return WorkerExitCodes.ProtocolError;
        }
        catch (ChannelClosedException)
        {
            Console.Error.WriteLine($"{Marker}[{Environment.ProcessId}]: the supervisor closed the channel before sending its hello; exiting.");
            return WorkerExitCodes.Orphaned;
        }

        HelloMessage hello = instructions.Hello;
        if (hello.SupervisorBuild is { } supervisorBuild && supervisorBuild != ProgramBuild.Current.ToString())
        {
            // Before any app code runs: a worker of other code must not serve beside the supervisor's.
            string refusal = $"this worker runs {ProgramBuild.Current}, not the supervisor's build {supervisorBuild}: the program was replaced on disk under a running supervisor; deploy new code with USR2 (a new supervisor) or a restart";
            Console.Error.WriteLine($"{Marker}[{Environment.ProcessId}]: refusing to boot: {refusal}.");
            try
            {
                channel.Send(new BootFailedMessage(refusal, ProgramBuild.Current.ToString()));
            }
            catch (ChannelClosedException)
            {
            }
            return WorkerExitCodes.WrongBuild;
        }
        if (hello.Configuration.RunAsUserId is uint userId)
        {
            try
            {
                PrivilegeDrop.Apply(userId, hello.Configuration.RunAsGroupId ?? userId);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Console.Error.WriteLine($"{Marker}[{Environment.ProcessId}]: cannot switch to uid {userId}: {e.Message}");
                channel.Send(new BootFailedMessage($"cannot switch to uid {userId}: {e.Message}"));
                return WorkerExitCodes.BootFailed;
            }
            // Changing credentials clears PR_SET_PDEATHSIG: arm it again.
            if (!OrphanGuard.Arm(supervisorPid))
                return WorkerExitCodes.Orphaned;
        }
        IConfiguration settings = new ConfigurationBuilder().AddInMemoryCollection(hello.Configuration.Settings).Build();
        using Serilog.Extensions.Hosting.ReloadableLogger serilog = ForkHostLogging.CreateReopenable(
            settings, hello.Configuration.LogFormat, "worker", hello.WorkerId, hello.Generation);
        // SIGUSR1 (forwarded by the supervisor): file sinks reopen their paths, after logrotate moved the files.
        using var reopenLogs = PosixSignalRegistration.Create((PosixSignal)Interop.Signals.SIGUSR1, context =>
        {
            context.Cancel = true;
            ForkHostLogging.Reopen(serilog, settings, hello.Configuration.LogFormat, "worker", hello.WorkerId, hello.Generation);
        });
        var logger = new SerilogLoggerFactory(serilog).CreateLogger("ForkHost.Worker");
        var gracefulTimeout = TimeSpan.FromMilliseconds(hello.Configuration.GracefulTimeoutMilliseconds);

        using HttpServerMetrics? metrics = hello.Configuration.ReportMetrics
            ? new HttpServerMetrics(new SerilogLoggerFactory(serilog).CreateLogger("ForkHost.Worker.Metrics"))
            : null;
        var host = new WorkerHost(instructions, appSource, serilog, metrics);
        using var link = new SupervisorLink(channel, host.Counters, host.Dispatched, host.Descriptors, host.Health, host.Metrics, host.Placed, gracefulTimeout, logger);

        Microsoft.AspNetCore.Builder.WebApplication web;
        ForkHost.IForkHostApp app;
        ForkHost.WorkerContext context;
        try
        {
            (web, app, context) = await host.StartAsync(link.SendStateFindings, CancellationToken.None);
        }
        catch (ForkHost.Worker.ProcessState.PerProcessStateRefusedException e)
        {
            // The supervisor has the findings and refuses to start; it stops this worker with the others, so that
            // nothing is reaped as a boot failure. Should it never do so, the worker leaves by itself.
            LogStateRefused(logger, e.Message);
            await Task.WhenAny(link.StopRequested, Task.Delay(TimeSpan.FromSeconds(30)));
            return WorkerExitCodes.StateRefused;
        }
        catch (Exception e)
        {
            string reason = e is ForkHost.Apps.AppResolutionException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            LogBootError(logger, e, reason);
            try
            {
                channel.Send(new BootFailedMessage(reason));
            }
            catch (ChannelClosedException)
            {
            }
            return WorkerExitCodes.BootFailed;
        }

        LogServing(logger, hello.Configuration.AppTypeName, string.Join(", ", instructions.Listeners.Select(l => l.Address)), bootWatch.Elapsed.TotalMilliseconds,
            System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
            Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds);
        try
        {
            link.SendReady(bootWatch.Elapsed.TotalMilliseconds);
            link.Start(TimeSpan.FromMilliseconds(hello.Configuration.HeartbeatIntervalMilliseconds));
        }
        catch (ChannelClosedException)
        {
            link.RequestStop(new StopRequest(true, gracefulTimeout, "the supervisor closed the channel (it exited)"));
        }

        StopRequest stop = await link.StopRequested;
        await host.StopAsync(web, app, context, stop);
        try
        {
            link.SendMetricsIfChanged();
        }
        catch (ChannelClosedException)
        {
            // The supervisor is gone; nobody is left to count these requests.
        }
        await web.DisposeAsync();
        return WorkerExitCodes.Stopped;
    }

    /// <summary>
    /// Started through /proc/self/exe, the process would be called "exe" in ps, top and pgrep; the kernel's name for it
    /// (15 bytes, the main thread's) becomes "forkhost-worker" instead. Its command line still shows the marker.
    /// </summary>
    private static unsafe void NameThisProcess()
    {
        ReadOnlySpan<byte> name = "forkhost-worker\0"u8;
        fixed (byte* pointer = name)
            Interop.Libc.Prctl(Interop.Libc.PR_SET_NAME, (nuint)pointer, 0, 0, 0);
    }

    [LoggerMessage(EventId = EventIds.WorkerServing, Level = LogLevel.Information,
        Message = "Serving {App} on {Listeners} (booted in {BootMilliseconds:0} ms; {JitMethods} methods JIT-compiled in {JitMilliseconds:0} ms, {CpuMilliseconds:0} ms CPU)")]
    private static partial void LogServing(Microsoft.Extensions.Logging.ILogger logger, string app, string listeners, double bootMilliseconds, long jitMethods, double jitMilliseconds, double cpuMilliseconds);

    [LoggerMessage(EventId = EventIds.StateRefusedInWorker, Level = LogLevel.Error,
        Message = "{Reason}; waiting for the supervisor to stop this worker")]
    private static partial void LogStateRefused(Microsoft.Extensions.Logging.ILogger logger, string reason);

    [LoggerMessage(EventId = EventIds.WorkerBootError, Level = LogLevel.Error, Message = "Boot failed: {Reason}")]
    private static partial void LogBootError(Microsoft.Extensions.Logging.ILogger logger, Exception exception, string reason);
}
