using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Supervisor.Arbitration;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Control;
using ForkHost.Supervisor.Fleet;
using ForkHost.Supervisor.Generations;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.State;
using ForkHost.Supervisor.Metrics;
using ForkHost.Supervisor.Resources;
using ForkHost.Supervisor.Systemd;
using ForkHost.Supervisor.Upgrades;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace ForkHost.Supervisor;

/// <summary>
/// <c>forkhost run</c>: validate everything, bind everything, then load the app (generation 1) and hand over to the
/// arbiter. What can fail without the app (a bad option, a port in use, a pid file that cannot be written) fails before
/// any app code runs; each step that fails undoes the ones before it, so a bad start leaves nothing behind: no socket
/// file, no pid file, no worker.
/// </summary>
internal static partial class RunCommand
{
    /// <param name="args">The options: forkhost run's, or an app's own executable's (the same but --app).</param>
    /// <param name="appSource">Where the app comes from, in this supervisor and in every worker it starts.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, AppSource appSource)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.Out.Write(RunCommandLine.Help(appSource.ProgramName));
            return ExitCodes.Success;
        }

        RunSettings settings;
        try
        {
            settings = RunSettingsLoader.Load(args, appSource.CompiledIn);
        }
        catch (UsageException e)
        {
            return ForkHostCommands.UsageError(e.Message);
        }
        ProcessSettings process = settings.Process;

        using Serilog.Extensions.Hosting.ReloadableLogger serilog = ForkHostLogging.CreateReopenable(settings.Configuration, process.LogFormat, "supervisor");
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        ILogger logger = loggerFactory.CreateLogger("ForkHost.Supervisor");
        LogStarting(logger, appSource.CompiledIn is { } own ? $"{own.TypeName} (this program, {ProgramBuild.Current})" : settings.Generation.App.ToString(),
            settings.Generation.Workers, ThisAssembly.Version);
        MySqlConnectionStringSource.WarnIfOnCommandLine(args, logger);
        CgroupHierarchy cgroups = CgroupHierarchy.Read();
        WarnIfWorkersFollowNodeCores(cgroups, settings, logger);

        // Before anything is bound: a --state-dir that cannot be used stops the start with nothing to undo.
        string? keyRing;
        try
        {
            keyRing = SharedKeyRing.Prepare(StateDirectoryLocation.Resolve(process.StateDir, Environment.GetEnvironmentVariable),
                process.WorkerIdentity, logger);
        }
        catch (UsageException e)
        {
            return ForkHostCommands.UsageError(e.Message);
        }

        using SystemdNotifier notifier = SystemdNotifier.FromEnvironment();
        int? predecessor = SupervisorUpgrade.TakePredecessor();
        IReadOnlyList<Listener> listeners;
        try
        {
            listeners = SupervisorUpgrade.TakeListeners() ?? SocketActivation.TakeListeners() ?? BindListeners(process);
        }
        catch (UsageException e)
        {
            return ForkHostCommands.UsageError(e.Message);
        }

        ControlServer? control = null;
        FleetEndpoint? fleet = null;
        bool handedOver = false;
        try
        {
            bool activated = listeners.Any(l => l.FromSocketActivation);
            foreach (Listener listener in listeners)
                LogListening(logger, listener.Address, listener.Descriptor,
                    predecessor is not null ? "the previous supervisor" : activated ? "systemd socket activation" : "--bind");
            // The fleet endpoint answers from here on (/readyz: 503 while generation 1 loads); a USR2 successor only once
            // it takes over, on the socket its predecessor passed.
            var health = new SupervisorHealth(TimeProvider.System,
                FleetReadiness.Starting(settings.Generation, isCurrent: predecessor is null));
            var metrics = new MetricsPublication();
            try
            {
                fleet = BindFleetEndpoint(process, health, metrics, loggerFactory);
            }
            catch (UsageException e)
            {
                return ForkHostCommands.UsageError(e.Message);
            }
            fleet?.Start();
            // Before the pid file, so that a script which waits for the pid file can run forkhost status at once.
            try
            {
                control = ControlServer.Bind(ControlSocketPath.ForRun(process.ControlSocket, process.PidFile, Environment.ProcessId),
                    loggerFactory.CreateLogger<ControlServer>(), takeOver: predecessor is not null);
            }
            catch (UsageException e)
            {
                return ForkHostCommands.UsageError(e.Message);
            }
            using PidFile? pidFile = process.PidFile is null ? null : PidFile.Write(process.PidFile);

            BalanceMode balance = process.Balance;
            if (activated && balance == BalanceMode.ReusePort)
            {
                LogBalanceUnavailable(logger);
                balance = BalanceMode.Shared;
            }
            using var slotListeners = new SlotListeners(listeners, balance, process.Backlog);
            await using ConnectionDispatcher? dispatcher = balance == BalanceMode.Dispatch
                ? new ConnectionDispatcher(listeners, loggerFactory.CreateLogger<ConnectionDispatcher>())
                : null;

            // Only now does app code run: the load step of generation 1.
            var loader = new GenerationLoader(args, appSource, process, fleet?.Listener.TcpEndPoint, loggerFactory,
                tlsListeners: [.. listeners.Where(l => l.Settings.Tls).Select(l => l.Address)]);
            GenerationLoadResult first = await loader.LoadAsync(1, settings.Generation, settings.Configuration, CancellationToken.None);
            if (first.Loaded is not { } generation)
                return first.ExitCode == ExitCodes.Usage ? ForkHostCommands.UsageError(first.Refusal!) : first.ExitCode;

            var arbiter = new Arbiter(process, generation, slotListeners, dispatcher,
                new ProcessWorkerLauncher(new WorkerSpawner(WorkerExecutable.Self(), process.WorkerDiagnostics)), loader, notifier, TimeProvider.System,
                () => ForkHostLogging.Reopen(serilog, settings.Configuration, process.LogFormat, "supervisor"),
                () => SupervisorUpgrade.StartSuccessorAsync(listeners, fleet?.Listener, notifier.SocketPath),
                predecessor,
                health,
                metrics,
                loggerFactory.CreateLogger<Arbiter>())
            {
                KeyRingDirectory = keyRing,
                HeapBudget = WorkerHeapBudget.Discover(cgroups, Environment.GetEnvironmentVariables(), WorkerRuntimeConfig(), logger),
                OomKills = OomKillCounter.StartingNow(cgroups),
            };
            using var signals = SignalForwarding.To(arbiter);
            control.Start(arbiter.GetStatusAsync);
            dispatcher?.Start();
            int exitCode = await arbiter.RunAsync();
            handedOver = arbiter.HandedOver;
            return exitCode;
        }
        finally
        {
            if (control is not null)
                control.KeepFileOnDispose = handedOver;
            foreach (Listener listener in listeners)
                listener.KeepFileOnDispose = handedOver;
            if (control is not null)
                await control.DisposeAsync();
            if (fleet is not null)
                await fleet.DisposeAsync();
            foreach (Listener listener in listeners)
                listener.Dispose();
        }
    }

    /// <summary>
    /// In a container without a CPU quota, Environment.ProcessorCount is the node's core count, not the container's
    /// share: --workers left to its default starts one worker per core of a machine the container may hold a sliver of,
    /// and each of them takes a share of the memory limit.
    /// </summary>
    private static void WarnIfWorkersFollowNodeCores(CgroupHierarchy cgroups, RunSettings settings, ILogger logger)
    {
        if (settings.Configuration[$"{ForkHostOptions.SectionName}:{nameof(ForkHostOptions.Workers)}"] is not null)
            return;
        if (ContainerDetection.Detect("/", Environment.GetEnvironmentVariable) is { } evidence && !CgroupCpuLimit.Exists(cgroups))
            LogWorkersFollowNodeCores(logger, evidence, settings.Generation.Workers);
    }

    /// <summary>
    /// The program's runtimeconfig.json (forkhost's, or the app's own), which its workers start with too, where an
    /// operator may have put System.GC.HeapHardLimit. A NativeAOT program has none: its settings are compiled in.
    /// </summary>
    private static string WorkerRuntimeConfig() => Path.Combine(AppContext.BaseDirectory, ProgramBuild.Current.Name + ".runtimeconfig.json");

    private static IReadOnlyList<Listener> BindListeners(ProcessSettings process) =>
        ListenerBinder.BindAll(process.Binds, process.Backlog, process.UnixSocketMode, reusePort: process.Balance == BalanceMode.ReusePort);

    /// <summary>The --metrics-bind endpoint, on the socket a USR2 predecessor passed or on one bound now; null without the option.</summary>
    private static FleetEndpoint? BindFleetEndpoint(ProcessSettings process, SupervisorHealth health, MetricsPublication metrics, ILoggerFactory loggerFactory)
    {
        Listener? listener = SupervisorUpgrade.TakeFleetListener(process.MetricsBind);
        if (listener is null && process.MetricsBind is { } metricsBind)
            listener = FleetListener.Bind(metricsBind);
        return listener is null ? null : new FleetEndpoint(listener, health, new PrometheusExposition(metrics, new HealthExposition(health)), loggerFactory);
    }

    [LoggerMessage(EventId = EventIds.SupervisorStarting, Level = LogLevel.Information, Message = "Starting ForkHost {Version}: app {App}, {Workers} workers")]
    private static partial void LogStarting(ILogger logger, string app, int workers, string version);

    [LoggerMessage(EventId = EventIds.WorkersFollowNodeCores, Level = LogLevel.Warning, Message = "Running in a container ({Evidence}) with no CPU limit and --workers left to its default: {Workers} workers, one per core of the node, not of the container; give --workers (or FORKHOST_WORKERS) for the container's share")]
    private static partial void LogWorkersFollowNodeCores(ILogger logger, string evidence, int workers);

    [LoggerMessage(EventId = EventIds.Listening, Level = LogLevel.Information, Message = "Listening at {Address} (fd {Descriptor}, from {Source})")]
    private static partial void LogListening(ILogger logger, string address, int descriptor, string source);

    [LoggerMessage(EventId = EventIds.BalanceUnavailable, Level = LogLevel.Warning, Message = "--balance reuseport needs sockets ForkHost binds itself; with socket activation every worker shares systemd's socket")]
    private static partial void LogBalanceUnavailable(ILogger logger);
}
