using System.Text.RegularExpressions;
using ForkHost.Apps;
using ForkHost.Supervisor.Listeners;
using ForkHost.Supervisor.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Reads <c>forkhost run</c>'s configuration (appsettings file, FORKHOST_* environment, command line), binds it to
/// <see cref="ForkHostOptions"/> and validates it the way ValidateOnStart does, then splits it into the settings fixed
/// for the process and those of a generation. The one place options are parsed; at start and on every SIGHUP.
/// </summary>
internal static partial class RunSettingsLoader
{
    /// <exception cref="UsageException">A bad value, a malformed file, a certificate that cannot serve: one line per failure, naming the option.</exception>
    /// <param name="compiledIn">The app built into this program (<see cref="AppSource.CompiledIn"/>): an app's own executable
    /// refuses --app; null under forkhost run, which requires it.</param>
    public static RunSettings Load(IReadOnlyList<string> args, AppSpecification? compiledIn = null)
    {
        (IConfiguration configuration, ForkHostOptions options) = Bind(args, compiledIn);
        ServerCertificate? certificate = ServerCertificateLoader.Load(options, configuration, DateTimeOffset.UtcNow);
        if (certificate is null && ForkHostOptionsValidator.EffectiveBinds(options).FirstOrDefault(b => BindAddress.Parse(b).Settings.Tls) is { } https)
            throw new UsageException($"--bind '{https}': an https bind needs a certificate; give --certfile and --keyfile (PEM files, as certbot's fullchain.pem and privkey.pem), or {ServerCertificateLoader.KestrelSection}:Path and :KeyPath in appsettings.json.");
        return new RunSettings(ProcessSettingsOf(options), GenerationSettingsOf(options, compiledIn ?? AppSpecification.Parse(options.App!), certificate), configuration);
    }

    /// <summary>The options as bound and validated, before the split.</summary>
    /// <param name="compiledIn">The app built into this program, for which --app is refused; null under forkhost run.</param>
    internal static (IConfiguration Configuration, ForkHostOptions Options) Bind(IReadOnlyList<string> args, AppSpecification? compiledIn = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        ForkHostConfiguration.AddSources(builder.Configuration, args);
        builder.Services.AddSingleton<IValidateOptions<ForkHostOptions>>(new ForkHostOptionsValidator(compiledIn));
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

    private static ProcessSettings ProcessSettingsOf(ForkHostOptions options)
    {
        ForkHostOptionsValidator.TryParseMode(options.UnixSocketMode, out UnixFileMode mode);
        return new ProcessSettings(
            ForkHostOptionsValidator.EffectiveBinds(options),
            options.Balance,
            options.Backlog,
            mode,
            options.PidFile,
            options.ControlSocket,
            options.LogFormat,
            WorkerIdentity.Resolve(options.User, options.Group),
            options.User,
            options.Group,
            options.WorkerDiagnostics,
            string.IsNullOrWhiteSpace(options.MetricsBind) ? null : options.MetricsBind,
            string.IsNullOrWhiteSpace(options.StateDir) ? null : options.StateDir);
    }

    private static GenerationSettings GenerationSettingsOf(ForkHostOptions options, AppSpecification app, ServerCertificate? certificate) => new(
        app,
        options.Workers,
        TimeSpan.FromSeconds(options.Timeout),
        TimeSpan.FromSeconds(options.BootTimeout),
        TimeSpan.FromSeconds(options.GracefulTimeout),
        options.MaxBootFailures,
        options.MaxRequests,
        options.MaxRequestsJitter,
        options.MaxWorkerMemory,
        options.AccessLog,
        options.Inherit,
        options.DisposeBeforeSpawn,
        options.ForkSafety,
        string.IsNullOrWhiteSpace(options.MySql) ? null : options.MySql,
        TimeSpan.FromSeconds(options.ShutdownDelay),
        options.ReadyWorkers,
        options.Replicas,
        RequestLimitsValidation.LimitsOf(options),
        options.RequestHardTimeout is double hard ? TimeSpan.FromSeconds(hard) : null,
        RequestLimitsValidation.DumpDirectoryOf(options),
        certificate)
    {
        ForwardedAllowIps = ForkHostOptionsValidator.ForwardedAllowIps(options.ForwardedAllowIps),
        WorkerHeapLimit = WorkerHeapLimitOf(options),
    };

    private static Resources.WorkerHeapLimitSetting WorkerHeapLimitOf(ForkHostOptions options)
    {
        Resources.WorkerHeapLimitSetting.TryParse(options.WorkerHeapLimit, out Resources.WorkerHeapLimitSetting setting);
        return setting;
    }

    private static string FriendlyType(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "whole number",
        "System.Double" => "number",
        "System.Boolean" => "true/false value",
        _ when type.EndsWith("InheritMode", StringComparison.Ordinal) => "choice (listeners or fork)",
        _ when type.EndsWith("ForkSafetyMode", StringComparison.Ordinal) => "choice (off, warn or strict)",
        _ when type.EndsWith("BalanceMode", StringComparison.Ordinal) => "choice (shared, reuseport or dispatch)",
        _ when type.EndsWith("WorkerDiagnosticsMode", StringComparison.Ordinal) => "choice (on or off)",
        // int? and double? options: the binder names the Nullable`1 of the type.
        _ when type.Contains("System.Int32", StringComparison.Ordinal) || type.Contains("System.Int64", StringComparison.Ordinal) => "whole number",
        _ when type.Contains("System.Double", StringComparison.Ordinal) => "number",
        _ => type,
    };

    [GeneratedRegex("Failed to convert configuration value '(?<value>[^']*)' at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();
}
