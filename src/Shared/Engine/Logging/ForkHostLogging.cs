using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;

namespace ForkHost.Logging;

/// <summary>
/// Serilog set-up shared by the supervisor and the workers, so every line says which process wrote it:
/// role, worker id, generation and pid are on every event, in the text and the JSON form alike.
/// </summary>
internal static class ForkHostLogging
{
    public const string TextFormat = "text";
    public const string JsonFormat = "json";

    private const string SerilogSection = "Serilog";

    private const string TextTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Process} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// A logger whose sinks can be rebuilt from the configuration at any time (<see cref="Reopen"/>): on SIGUSR1, so
    /// that file sinks configured in the "Serilog" section let go of a rotated file and open a new one (logrotate).
    /// A "Serilog" section that cannot be applied is left out, with a warning, rather than stopping the process: the
    /// supervisor refuses such a section at start (<see cref="ValidateSerilogSection"/>), so this is what a worker does
    /// when its own environment differs (a file sink's directory it may not write to as --user, say). A NativeAOT build
    /// applies only the part of the section <see cref="SerilogSectionSubset"/> reads, and warns of the rest.
    /// </summary>
    public static ReloadableLogger CreateReopenable(
        IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null)
    {
        ReloadableLogger logger = Configure(new LoggerConfiguration(), configuration, format, role, workerId, generation, out string? ignored, out IReadOnlyList<string> leftOut)
            .CreateBootstrapLogger();
        WarnIfIgnored(logger, ignored, leftOut);
        return logger;
    }

    /// <summary>Rebuilds every sink: each file sink closes its file and opens the path afresh.</summary>
    public static void Reopen(
        ReloadableLogger logger, IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null)
    {
        string? ignored = null;
        IReadOnlyList<string> leftOut = [];
        logger.Reload(fresh => Configure(fresh, configuration, format, role, workerId, generation, out ignored, out leftOut));
        WarnIfIgnored(logger, ignored, leftOut);
    }

    /// <summary>
    /// Applies the "Serilog" section to a throwaway logger, so that a section that cannot work is refused at start; in a
    /// NativeAOT build, the part of it that build applies (keys it leaves out are warned of, not refused).
    /// </summary>
    /// <exception cref="LoggingConfigurationException">The section names an unknown level, assembly or switch, or a sink that cannot start.</exception>
    public static void ValidateSerilogSection(IConfiguration configuration)
    {
        if (!configuration.GetSection(SerilogSection).Exists())
            return;
        try
        {
            using Serilog.Core.Logger probe = ApplySection(new LoggerConfiguration(), configuration, out _).CreateLogger();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new LoggingConfigurationException(Describe(e), e);
        }
    }

    /// <param name="configuration">Read for an optional "Serilog" section (levels, extra sinks, enrichers).</param>
    /// <param name="ignored">Why the "Serilog" section was left out, or null when it was applied (or absent).</param>
    /// <param name="leftOut">The keys of the section a NativeAOT build did not apply; empty under the JIT.</param>
    private static LoggerConfiguration Configure(
        LoggerConfiguration logger, IConfiguration? configuration, string format, string role, int? workerId, int? generation,
        out string? ignored, out IReadOnlyList<string> leftOut)
    {
        ignored = null;
        leftOut = [];
        if (configuration is not null && configuration.GetSection(SerilogSection).Exists())
        {
            try
            {
                return WithConsole(ApplySection(WithBase(logger, role, workerId, generation), configuration, out leftOut), format);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Any failure: unknown level or assembly, a sink whose constructor threw. The half-applied configuration
                // is dropped for a fresh one, since Serilog applies a section piece by piece.
                ignored = Describe(e);
                leftOut = [];
                logger = new LoggerConfiguration();
            }
        }
        return WithConsole(WithBase(logger, role, workerId, generation), format);
    }

    /// <summary>
    /// The "Serilog" section: all of it through Serilog.Settings.Configuration under the JIT; in a NativeAOT build, where
    /// that reflection cannot work and the compiler removes the branch, the subset ForkHost reads itself.
    /// </summary>
    private static LoggerConfiguration ApplySection(LoggerConfiguration logger, IConfiguration configuration, out IReadOnlyList<string> leftOut)
    {
        if (CanReadSectionByReflection)
        {
            leftOut = [];
            return ReadSectionByReflection(logger, configuration);
        }
        SerilogSectionSubset subset = SerilogSectionSubset.Read(configuration.GetSection(SerilogSection));
        leftOut = subset.LeftOut;
        return subset.ApplyTo(logger);
    }

    /// <summary>False in a NativeAOT build (a constant there): Serilog.Settings.Configuration's reflection is then compiled out.</summary>
    [FeatureGuard(typeof(RequiresDynamicCodeAttribute))]
    internal static bool CanReadSectionByReflection => RuntimeFeature.IsDynamicCodeSupported;

    [RequiresDynamicCode("Serilog.Settings.Configuration finds sinks, enrichers and their arguments by reflection over the assemblies it loads.")]
    private static LoggerConfiguration ReadSectionByReflection(LoggerConfiguration logger, IConfiguration configuration) =>
        logger.ReadFrom.Configuration(configuration);

    private static LoggerConfiguration WithBase(LoggerConfiguration logger, string role, int? workerId, int? generation)
    {
        int pid = Environment.ProcessId;
        string process = workerId is null ? $"supervisor[{pid}]" : $"worker {workerId}.g{generation}[{pid}]";

        logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Role", role)
            .Enrich.WithProperty("Pid", pid)
            .Enrich.WithProperty("Process", process);
        if (workerId is not null)
            logger.Enrich.WithProperty("WorkerId", workerId.Value);
        if (generation is not null)
            logger.Enrich.WithProperty("Generation", generation.Value);
        return logger;
    }

    private static LoggerConfiguration WithConsole(LoggerConfiguration logger, string format) =>
        logger.WriteTo.Sink(new LineAtomicConsoleSink(format == JsonFormat
            ? new CompactJsonFormatter()
            : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture)));

    private static void WarnIfIgnored(Serilog.ILogger logger, string? ignored, IReadOnlyList<string> leftOut)
    {
        if (ignored is not null)
        {
            logger.ForContext(new EventIdEnricher(EventIds.LoggingSectionIgnored, nameof(EventIds.LoggingSectionIgnored)))
                .Warning("The \"Serilog\" section cannot be applied, so this process logs to the console only: {Error}", ignored);
        }
        if (leftOut.Count > 0)
        {
            logger.ForContext(new EventIdEnricher(EventIds.LoggingSectionPartlyApplied, nameof(EventIds.LoggingSectionPartlyApplied)))
                .Warning("This NativeAOT build applies only part of the \"Serilog\" section (MinimumLevel, File and Console sinks, FromLogContext, Properties); not applied: {LeftOut}",
                    string.Join(", ", leftOut));
        }
    }

    /// <summary>One line: the innermost useful message (a sink's constructor arrives wrapped in TargetInvocationException).</summary>
    private static string Describe(Exception e)
    {
        while (e is System.Reflection.TargetInvocationException { InnerException: { } inner })
            e = inner;
        string message = e.Message.ReplaceLineEndings(" ").Trim();
        return $"{e.GetType().Name}: {message}";
    }
}
