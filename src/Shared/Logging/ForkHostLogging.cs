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

    private const string TextTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Process} {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// A logger whose sinks can be rebuilt from the configuration at any time (<see cref="Reopen"/>): on SIGUSR1, so
    /// that file sinks configured in the "Serilog" section let go of a rotated file and open a new one (logrotate).
    /// </summary>
    public static ReloadableLogger CreateReopenable(
        IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null) =>
        Configure(new LoggerConfiguration(), configuration, format, role, workerId, generation).CreateBootstrapLogger();

    /// <summary>Rebuilds every sink: each file sink closes its file and opens the path afresh.</summary>
    public static void Reopen(
        ReloadableLogger logger, IConfiguration? configuration, string format, string role, int? workerId = null, int? generation = null) =>
        logger.Reload(fresh => Configure(fresh, configuration, format, role, workerId, generation));

    /// <param name="configuration">Read for an optional "Serilog" section (levels, extra sinks, enrichers).</param>
    private static LoggerConfiguration Configure(
        LoggerConfiguration logger, IConfiguration? configuration, string format, string role, int? workerId, int? generation)
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

        if (configuration is not null && configuration.GetSection("Serilog").Exists())
            logger.ReadFrom.Configuration(configuration);

        return logger.WriteTo.Sink(new LineAtomicConsoleSink(format == JsonFormat
            ? new CompactJsonFormatter()
            : new MessageTemplateTextFormatter(TextTemplate, System.Globalization.CultureInfo.InvariantCulture)));
    }
}
