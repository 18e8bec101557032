using System.Text.RegularExpressions;
using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Supervisor.Arbitration;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Control;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Systemd;
using ForkHost.Supervisor.Upgrades;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serilog.Extensions.Logging;

namespace ForkHost.Supervisor;

/// <summary>
/// <c>forkhost run</c>: validate everything, load the app, bind, then hand over to the arbiter. Each step that fails
/// undoes the ones before it, so a bad start leaves nothing behind: no socket file, no pid file, no worker.
/// </summary>
internal static partial class RunCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.Out.Write(RunCommandLine.Help());
            return ExitCodes.Success;
        }

        IConfiguration configuration;
        ForkHostOptions options;
        try
        {
            (configuration, options) = LoadOptions(args);
        }
        catch (UsageException e)
        {
            return Program.UsageError(e.Message);
        }

        (IForkHostApp app, Type appType) appInstance;
        try
        {
            appInstance = AppLoader.Load(AppSpecification.Parse(options.App!));
        }
        catch (AppResolutionException e)
        {
            return Program.UsageError($"--app: {e.Message}");
        }

        using Serilog.Extensions.Hosting.ReloadableLogger serilog = ForkHostLogging.CreateReopenable(configuration, options.LogFormat, "supervisor");
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        ILogger logger = loggerFactory.CreateLogger("ForkHost.Supervisor");
        LogStarting(logger, appInstance.appType.FullName!, options.Workers, ThisAssembly.Version);
        MySqlConnectionStringSource.WarnIfOnCommandLine(args, logger);

        ServedApp? served = await LoadAppAsync(appInstance.app, appInstance.appType, options, configuration, logger);
        if (served is null)
            return ExitCodes.AppLoadFailed;

        using SystemdNotifier notifier = SystemdNotifier.FromEnvironment();
        int? predecessor = SupervisorUpgrade.TakePredecessor();
        IReadOnlyList<Listener> listeners;
        try
        {
            listeners = SupervisorUpgrade.TakeListeners() ?? SocketActivation.TakeListeners() ?? BindListeners(options);
        }
        catch (UsageException e)
        {
            return Program.UsageError(e.Message);
        }

        ControlServer? control = null;
        bool handedOver = false;
        try
        {
            bool activated = listeners.Any(l => l.FromSocketActivation);
            foreach (Listener listener in listeners)
                LogListening(logger, listener.Address, listener.Descriptor,
                    predecessor is not null ? "the previous supervisor" : activated ? "systemd socket activation" : "--bind");
            // Before the pid file, so that a script which waits for the pid file can run forkhost status at once.
            try
            {
                control = ControlServer.Bind(ControlSocketPath.ForRun(options.ControlSocket, options.PidFile, Environment.ProcessId),
                    loggerFactory.CreateLogger<ControlServer>(), takeOver: predecessor is not null);
            }
            catch (UsageException e)
            {
                return Program.UsageError(e.Message);
            }
            using PidFile? pidFile = options.PidFile is null ? null : PidFile.Write(options.PidFile);

            BalanceMode balance = options.Balance;
            if (activated && balance == BalanceMode.ReusePort)
            {
                LogBalanceUnavailable(logger);
                balance = BalanceMode.Shared;
            }
            using var slotListeners = new SlotListeners(listeners, balance, options.Backlog);
            await using ConnectionDispatcher? dispatcher = balance == BalanceMode.Dispatch
                ? new ConnectionDispatcher(listeners, loggerFactory.CreateLogger<ConnectionDispatcher>())
                : null;
            RunConfiguration initial = await PrepareRunAsync(options, served, logger, loggerFactory);
            var arbiter = new Arbiter(initial, slotListeners, dispatcher, new WorkerSpawner(WorkerExecutable.Locate(), options.WorkerDiagnostics), notifier,
                () => ReloadAsync(args, options, logger, loggerFactory),
                () => ForkHostLogging.Reopen(serilog, configuration, options.LogFormat, "supervisor"),
                () => SupervisorUpgrade.StartSuccessorAsync(listeners, notifier.SocketPath),
                predecessor,
                loggerFactory.CreateLogger<Arbiter>());
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
            foreach (Listener listener in listeners)
                listener.Dispose();
        }
    }

    private static IReadOnlyList<Listener> BindListeners(ForkHostOptions options)
    {
        ForkHostOptionsValidator.TryParseMode(options.UnixSocketMode, out UnixFileMode mode);
        return ListenerBinder.BindAll(options.EffectiveBinds, options.Backlog, mode, reusePort: options.Balance == BalanceMode.ReusePort);
    }

    /// <summary>Everything a generation of workers needs that depends on the options and the loaded app.</summary>
    private static async Task<RunConfiguration> PrepareRunAsync(ForkHostOptions options, ServedApp served, ILogger logger, ILoggerFactory loggerFactory)
    {
        var mySql = MySqlServerAddresses.Resolve(options.MySql);
        if (!string.IsNullOrWhiteSpace(options.MySql))
            await PoolFitCheck.RunAsync(options.MySql, options.Workers, logger, CancellationToken.None);
        MySqlSessionFacts facts = options.Inherit == InheritMode.Fork && !string.IsNullOrWhiteSpace(options.MySql)
            ? await MySqlSessionFacts.ProbeAsync(options.MySql, logger)
            : MySqlSessionFacts.Unknown;
        var preparation = new SpawnPreparation(options, served, mySql, facts.Describe, loggerFactory.CreateLogger<SpawnPreparation>());
        return new RunConfiguration(options, served, preparation);
    }

    /// <summary>
    /// SIGHUP: the configuration is read again (appsettings, environment, command line) and the app's load step runs
    /// again on a new instance of the app type. The app's code in the supervisor is not replaced (an assembly cannot
    /// be unloaded from the default context); workers of the new generation load it afresh from disk.
    /// Listener and log settings need a restart.
    /// </summary>
    private static async Task<RunConfiguration?> ReloadAsync(IReadOnlyList<string> args, ForkHostOptions current, ILogger logger, ILoggerFactory loggerFactory)
    {
        IConfiguration configuration;
        ForkHostOptions options;
        IForkHostApp app;
        Type type;
        try
        {
            (configuration, options) = LoadOptions(args);
            (app, type) = AppLoader.Load(AppSpecification.Parse(options.App!));
        }
        catch (Exception e) when (e is UsageException or AppResolutionException)
        {
            LogReloadRefused(logger, e.Message);
            return null;
        }
        if (!options.EffectiveBinds.SequenceEqual(current.EffectiveBinds) || options.LogFormat != current.LogFormat)
            LogRestartNeeded(logger);

        ServedApp? served = await LoadAppAsync(app, type, options, configuration, logger);
        return served is null ? null : await PrepareRunAsync(options, served, logger, loggerFactory);
    }

    /// <summary>Builds the configuration through the generic host and validates the options the way ValidateOnStart does.</summary>
    internal static (IConfiguration Configuration, ForkHostOptions Options) LoadOptions(IReadOnlyList<string> args)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ForkHostConfiguration.AddSources(builder.Configuration, args);
        builder.Services.AddSingleton<IValidateOptions<ForkHostOptions>, ForkHostOptionsValidator>();
        builder.Services.AddOptions<ForkHostOptions>()
            .Bind(builder.Configuration.GetSection(ForkHostOptions.SectionName))
            .ValidateOnStart();

        using IHost host = builder.Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return (builder.Configuration, host.Services.GetRequiredService<IOptions<ForkHostOptions>>().Value);
        }
        catch (OptionsValidationException e)
        {
            throw new UsageException(string.Join(Environment.NewLine + "forkhost: ", e.Failures));
        }
        catch (InvalidOperationException e) when (ConversionFailure().Match(e.Message) is { Success: true } match)
        {
            throw new UsageException(
                $"{RunCommandLine.OptionNameFor(match.Groups["path"].Value)}: '{match.Groups["value"].Value}' is not a valid {FriendlyType(match.Groups["type"].Value)}.");
        }
    }

    private static string FriendlyType(string type) => type switch
    {
        "System.Int32" => "whole number",
        "System.Double" => "number",
        "System.Boolean" => "true/false value",
        _ when type.EndsWith("InheritMode", StringComparison.Ordinal) => "choice (listeners or fork)",
        _ when type.EndsWith("ForkSafetyMode", StringComparison.Ordinal) => "choice (off, warn or strict)",
        _ when type.EndsWith("BalanceMode", StringComparison.Ordinal) => "choice (shared, reuseport or dispatch)",
        _ when type.EndsWith("WorkerDiagnosticsMode", StringComparison.Ordinal) => "choice (on or off)",
        _ => type,
    };

    [GeneratedRegex("Failed to convert configuration value '(?<value>[^']*)' at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    /// <summary>Runs the app's load step: the code "outside view functions", once, before any worker exists.</summary>
    private static async Task<ServedApp?> LoadAppAsync(IForkHostApp app, Type type, ForkHostOptions options, IConfiguration configuration, ILogger logger)
    {
        var context = new AppLoadContext(configuration, logger);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await app.LoadAsync(context, CancellationToken.None);
        }
        catch (Exception e)
        {
            LogAppLoadFailed(logger, e, type.FullName!, e.GetType().Name, e.Message);
            return null;
        }
        LogAppLoaded(logger, type.FullName!, watch.Elapsed.TotalMilliseconds);

        var settings = configuration.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        return new ServedApp(app, type, AppSpecification.Parse(options.App!).AssemblyPath, configuration, settings,
            new Dictionary<string, string>(context.Properties), WorkerIdentity.Resolve(options.User, options.Group));
    }

    [LoggerMessage(EventId = EventIds.SupervisorStarting, Level = LogLevel.Information, Message = "Starting ForkHost {Version}: app {App}, {Workers} workers")]
    private static partial void LogStarting(ILogger logger, string app, int workers, string version);

    [LoggerMessage(EventId = EventIds.Listening, Level = LogLevel.Information, Message = "Listening at {Address} (fd {Descriptor}, from {Source})")]
    private static partial void LogListening(ILogger logger, string address, int descriptor, string source);

    [LoggerMessage(EventId = EventIds.BalanceUnavailable, Level = LogLevel.Warning, Message = "--balance reuseport needs sockets ForkHost binds itself; with socket activation every worker shares systemd's socket")]
    private static partial void LogBalanceUnavailable(ILogger logger);

    [LoggerMessage(EventId = EventIds.ReloadRefused, Level = LogLevel.Error, Message = "Reload refused, the current generation keeps serving: {Error}")]
    private static partial void LogReloadRefused(ILogger logger, string error);

    [LoggerMessage(EventId = EventIds.RestartNeeded, Level = LogLevel.Warning, Message = "Reload: changes to --bind or --log-format take effect only after a restart")]
    private static partial void LogRestartNeeded(ILogger logger);

    [LoggerMessage(EventId = EventIds.AppLoaded, Level = LogLevel.Information, Message = "Loaded {App} in {Milliseconds:0} ms")]
    private static partial void LogAppLoaded(ILogger logger, string app, double milliseconds);

    [LoggerMessage(EventId = EventIds.AppLoadFailed, Level = LogLevel.Critical, Message = "App load failed: {App}.LoadAsync threw {ExceptionType}: {ExceptionMessage}. No worker was started.")]
    private static partial void LogAppLoadFailed(ILogger logger, Exception exception, string app, string exceptionType, string exceptionMessage);
}
