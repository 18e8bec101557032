using System.Diagnostics;
using System.Net;
using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Generations;

/// <summary>
/// Builds a generation, in this order: configuration, app type, the app's load step, the pool-fit check against the
/// MySQL server, spawn preparation. At start <c>forkhost run</c> calls <see cref="LoadAsync"/> with the settings it
/// has already validated and bound with; on SIGHUP the arbiter calls <see cref="ReloadAsync"/> off its loop, so the
/// watchdog is fed and <c>forkhost status</c> answers however long the load step takes.
/// </summary>
/// <param name="args">The command line of <c>forkhost run</c>, read again on every reload.</param>
/// <param name="process">The settings fixed for this process: a reload that changes one of them says so.</param>
/// <param name="fleetEndPoint">The bound --metrics-bind address, whose connections the fork-safety audit leaves out.</param>
internal sealed partial class GenerationLoader(IReadOnlyList<string> args, ProcessSettings process, IPEndPoint? fleetEndPoint, ILoggerFactory loggerFactory) : IGenerationLoader
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ForkHost.Supervisor.Generations");

    public async Task<GenerationLoadResult> ReloadAsync(int number, CancellationToken cancellationToken)
    {
        RunSettings settings;
        try
        {
            settings = RunSettingsLoader.Load(args);
        }
        catch (UsageException e)
        {
            return GenerationLoadResult.Refused(e.Message, ExitCodes.Usage);
        }
        GenerationLoadResult result = await LoadAsync(number, settings.Generation, settings.Configuration, cancellationToken);
        return result.Loaded is null ? result : GenerationLoadResult.Success(result.Loaded, settings.Process.ChangesFrom(process));
    }

    /// <summary>
    /// Loads the app and runs its load step. An app loaded again on reload is a new instance of its type: an assembly
    /// cannot be unloaded from the default context, so the supervisor's copy of the app's code stays as it was at start,
    /// while workers of the new generation load it afresh from disk (deploy new code with USR2).
    /// </summary>
    public async Task<GenerationLoadResult> LoadAsync(int number, GenerationSettings settings, IConfiguration configuration, CancellationToken cancellationToken)
    {
        IForkHostApp app;
        Type type;
        try
        {
            (app, type) = AppLoader.Load(settings.App);
        }
        catch (AppResolutionException e)
        {
            return GenerationLoadResult.Refused($"--app: {e.Message}", ExitCodes.Usage);
        }

        var context = new AppLoadContext(configuration, _logger);
        var watch = Stopwatch.StartNew();
        try
        {
            await app.LoadAsync(context, cancellationToken);
        }
        catch (Exception e)
        {
            LogAppLoadFailed(_logger, e, type.FullName!, e.GetType().Name, e.Message);
            return GenerationLoadResult.Refused($"{type.FullName}.LoadAsync threw {e.GetType().Name}: {e.Message}", ExitCodes.AppLoadFailed);
        }
        LogAppLoaded(_logger, type.FullName!, watch.Elapsed.TotalMilliseconds);

        var flattened = configuration.AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
        var served = new ServedApp(app, type, settings.App.AssemblyPath, configuration, flattened, new Dictionary<string, string>(context.Properties));

        MySqlServerAddresses mySql = MySqlServerAddresses.Resolve(settings.MySql);
        if (settings.MySql is not null
            && await PoolFitCheck.RunAsync(settings.MySql, settings.Workers, settings.Replicas, _logger, cancellationToken) is { BudgetExceeded: { } budget }
            && settings.ForkSafety == ForkSafetyMode.Strict)
        {
            // As the audit's strict refusal: at start exit 5, on reload the running generation keeps serving.
            string refusal = $"--fork-safety strict: refusing to spawn: {budget}";
            LogPoolFitRefused(_logger, refusal);
            return GenerationLoadResult.Refused(refusal, ExitCodes.ForkSafetyRefused);
        }
        MySqlSessionFacts facts = settings.Inherit == InheritMode.Fork && settings.MySql is not null
            ? await MySqlSessionFacts.ProbeAsync(settings.MySql, _logger)
            : MySqlSessionFacts.Unknown;
        var preparation = new SpawnPreparation(settings, served, mySql, facts.Describe, fleetEndPoint, loggerFactory.CreateLogger<SpawnPreparation>());
        return GenerationLoadResult.Success(new Generation(number, settings, served, preparation));
    }

    [LoggerMessage(EventId = EventIds.PoolFitRefused, Level = LogLevel.Critical, Message = "{Refusal}")]
    private static partial void LogPoolFitRefused(ILogger logger, string refusal);

    [LoggerMessage(EventId = EventIds.AppLoaded, Level = LogLevel.Information, Message = "Loaded {App} in {Milliseconds:0} ms")]
    private static partial void LogAppLoaded(ILogger logger, string app, double milliseconds);

    [LoggerMessage(EventId = EventIds.AppLoadFailed, Level = LogLevel.Critical, Message = "App load failed: {App}.LoadAsync threw {ExceptionType}: {ExceptionMessage}. No worker of this generation was started.")]
    private static partial void LogAppLoadFailed(ILogger logger, Exception exception, string app, string exceptionType, string exceptionMessage);
}
