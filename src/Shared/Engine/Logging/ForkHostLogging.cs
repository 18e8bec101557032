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
    /// when its own environment differs (a file sink's directory it may not write to as --user, say).
    /// </summary>
    public static ReloadableLogger CreateReopenable(
        IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null)
    {
        ReloadableLogger logger = Configure(new LoggerConfiguration(), configuration, format, role, workerId, generation, out string? ignored)
            .CreateBootstrapLogger();
        WarnIfIgnored(logger, ignored);
        return logger;
    }

    /// <summary>Rebuilds every sink: each file sink closes its file and opens the path afresh.</summary>
    public static void Reopen(
        ReloadableLogger logger, IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null)
    {
        string? ignored = null;
        logger.Reload(fresh => Configure(fresh, configuration, format, role, workerId, generation, out ignored));
        WarnIfIgnored(logger, ignored);
    }

    /// <summary>Applies the "Serilog" section to a throwaway logger, so that a section that cannot work is refused at start.</summary>
    /// <exception cref="LoggingConfigurationException">The section names an unknown level, assembly or switch, or a sink that cannot start.</exception>
    public static void ValidateSerilogSection(IConfiguration configuration)
    {
        if (!configuration.GetSection(SerilogSection).Exists())
            return;
        try
        {
            using Serilog.Core.Logger probe = new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new LoggingConfigurationException(Describe(e), e);
        }
    }

    /// <param name="configuration">Read for an optional "Serilog" section (levels, extra sinks, enrichers).</param>
    /// <param name="ignored">Why the "Serilog" section was left out, or null when it was applied (or absent).</param>
    private static LoggerConfiguration Configure(
        LoggerConfiguration logger, IConfiguration? configuration, string format, string role, int? workerId, int? generation, out string? ignored)
    {
        ignored = null;
        if (configuration is not null && configuration.GetSection(SerilogSection).Exists())
        {
            try
            {
                return WithConsole(WithBase(logger, role, workerId, generation).ReadFrom.Configuration(configuration), format);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Any failure: unknown level or assembly, a sink whose constructor threw. The half-applied configuration
                // is dropped for a fresh one, since Serilog applies a section piece by piece.
                ignored = Describe(e);
                logger = new LoggerConfiguration();
            }
        }
        return WithConsole(WithBase(logger, role, workerId, generation), format);
    }

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

    private static void WarnIfIgnored(Serilog.ILogger logger, string? ignored)
    {
        if (ignored is null)
            return;
        // The same EventId shape Microsoft.Extensions.Logging gives every other event, so collectors filter it alike.
        logger.ForContext("EventId", new { Id = EventIds.LoggingSectionIgnored, Name = nameof(EventIds.LoggingSectionIgnored) }, destructureObjects: true)
            .Warning("The \"Serilog\" section cannot be applied, so this process logs to the console only: {Error}", ignored);
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
