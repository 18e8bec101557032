using System.Diagnostics;
using System.Net;
using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.ForkSafety;
using ForkHost.Supervisor.Tls;
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
/// <param name="tlsListeners">The addresses of the https:// listeners being served, bound or handed in: a generation
/// without a certificate cannot serve them.</param>
internal sealed partial class GenerationLoader(IReadOnlyList<string> args, ProcessSettings process, IPEndPoint? fleetEndPoint, ILoggerFactory loggerFactory,
    IReadOnlyList<string>? tlsListeners = null) : IGenerationLoader
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
        if (CheckCertificate(settings.Certificate) is { } certificateRefusal)
            return GenerationLoadResult.Refused(certificateRefusal, ExitCodes.Usage);

        IForkHostApp app;
        Type type;
        try
        {
            // AOT: replaced by the lead's AppSource seam
#pragma warning disable IL2026, IL3050
            (app, type) = AppLoader.Load(settings.App);
#pragma warning restore IL2026, IL3050
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

        // Without the certificate settings: the workers get the certificate itself, and their Kestrel would try to
        // load Kestrel:Certificates:Default from a file they may not read, relative to another directory.
        var flattened = configuration.AsEnumerable()
            .Where(pair => pair.Value is not null && !IsCertificateSetting(pair.Key))
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

    /// <summary>Logs the generation's certificate (and whether it expires soon); a refusal when an https listener has none.</summary>
    private string? CheckCertificate(ServerCertificate? certificate)
    {
        IReadOnlyList<string> https = tlsListeners ?? [];
        if (certificate is null)
        {
            return https.Count == 0 ? null
                : $"{https[0]}: an https listener needs a certificate; give --certfile and --keyfile (PEM files, as certbot's fullchain.pem and privkey.pem), or {ServerCertificateLoader.KestrelSection}:Path and :KeyPath in appsettings.json.";
        }
        LogCertificate(_logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.UtcDateTime, certificate.ChainLength, certificate.Source);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        if (certificate.ExpiresSoon(now))
            LogCertificateExpiresSoon(_logger, certificate.Subject, certificate.NotAfter.UtcDateTime, (certificate.NotAfter - now).TotalDays, certificate.Source);
        if (tlsListeners is { Count: 0 })
            LogCertificateUnused(_logger, certificate.Source);
        return null;
    }

    private static bool IsCertificateSetting(string key) =>
        key.StartsWith("Kestrel:Certificates:", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith($"{ForkHostOptions.SectionName}:Kestrel:Certificates:", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = EventIds.CertificateLoaded, Level = LogLevel.Information,
        Message = "TLS certificate {Subject} (thumbprint {Thumbprint}), valid until {NotAfter:yyyy-MM-dd HH:mm:ss} UTC, {ChainLength} certificates in its chain, from {Source}")]
    private static partial void LogCertificate(ILogger logger, string subject, string thumbprint, DateTime notAfter, int chainLength, string source);

    [LoggerMessage(EventId = EventIds.CertificateExpiresSoon, Level = LogLevel.Warning,
        Message = "The TLS certificate {Subject} expires on {NotAfter:yyyy-MM-dd HH:mm:ss} UTC, in {Days:0.0} days; renew it (certbot renew) and send HUP to serve the new one ({Source})")]
    private static partial void LogCertificateExpiresSoon(ILogger logger, string subject, DateTime notAfter, double days, string source);

    [LoggerMessage(EventId = EventIds.CertificateUnused, Level = LogLevel.Warning,
        Message = "A TLS certificate is configured ({Source}) but no listener is https://: ForkHost serves TLS only on binds written https://HOST:PORT or https://unix:/path")]
    private static partial void LogCertificateUnused(ILogger logger, string source);

    [LoggerMessage(EventId = EventIds.PoolFitRefused, Level = LogLevel.Critical, Message = "{Refusal}")]
    private static partial void LogPoolFitRefused(ILogger logger, string refusal);

    [LoggerMessage(EventId = EventIds.AppLoaded, Level = LogLevel.Information, Message = "Loaded {App} in {Milliseconds:0} ms")]
    private static partial void LogAppLoaded(ILogger logger, string app, double milliseconds);

    [LoggerMessage(EventId = EventIds.AppLoadFailed, Level = LogLevel.Critical, Message = "App load failed: {App}.LoadAsync threw {ExceptionType}: {ExceptionMessage}. No worker of this generation was started.")]
    private static partial void LogAppLoadFailed(ILogger logger, Exception exception, string app, string exceptionType, string exceptionMessage);
}
