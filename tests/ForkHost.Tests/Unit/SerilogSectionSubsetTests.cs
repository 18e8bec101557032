using ForkHost.Logging;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace ForkHost.Tests.Unit;

/// <summary>
/// The part of the "Serilog" section a NativeAOT build applies without Serilog.Settings.Configuration, run here under
/// the JIT by calling the reader directly; where both can read a section, their results are compared.
/// </summary>
public sealed class SerilogSectionSubsetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-serilog-subset-").FullName;

    [Fact]
    public void A_minimum_level_as_a_string_drops_the_events_below_it()
    {
        List<LogEvent> events = Run(new() { ["Serilog:MinimumLevel"] = "Warning" }, logger =>
        {
            logger.Information("dropped");
            logger.Warning("kept");
        });
        Assert.Equal(["kept"], events.Select(e => e.MessageTemplate.Text));
    }

    [Fact]
    public void Default_and_override_levels_apply_per_source_context()
    {
        List<LogEvent> events = Run(new()
        {
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:MinimumLevel:Override:Noisy"] = "Error",
        }, logger =>
        {
            logger.Debug("app debug");
            logger.ForContext(Constants.SourceContextPropertyName, "Noisy.Component").Warning("noisy warning");
            logger.ForContext(Constants.SourceContextPropertyName, "Noisy.Component").Error("noisy error");
        });
        Assert.Equal(["app debug", "noisy error"], events.Select(e => e.MessageTemplate.Text));
    }

    [Theory]
    [InlineData("Serilog:MinimumLevel")]
    [InlineData("Serilog:MinimumLevel:Default")]
    public void A_level_that_is_not_one_fails_with_the_message_of_Serilog_Settings_Configuration(string key)
    {
        IConfiguration configuration = Configuration(new() { [key] = "Loud" });
        var subset = Assert.Throws<InvalidOperationException>(() => SerilogSectionSubset.Read(configuration.GetSection("Serilog")));
        var reflection = Assert.ThrowsAny<Exception>(() => new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger());
        Assert.Equal("The value Loud is not a valid Serilog level.", subset.Message);
        Assert.Equal(Innermost(reflection).Message, subset.Message);
    }

    [Fact]
    public void An_override_that_is_not_a_level_fails_as_it_does_under_the_JIT()
    {
        // Serilog.Settings.Configuration reads it as the name of a level switch, and none is declared: an error too.
        IConfiguration configuration = Configuration(new() { ["Serilog:MinimumLevel:Override:Microsoft"] = "Loud" });
        Assert.ThrowsAny<Exception>(() => new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger());
        var subset = Assert.Throws<InvalidOperationException>(() => SerilogSectionSubset.Read(configuration.GetSection("Serilog")));
        Assert.Equal("The value Loud is not a valid Serilog level.", subset.Message);
    }

    [Fact]
    public void A_file_sink_writes_what_Serilog_Settings_Configuration_writes_for_the_same_arguments()
    {
        // The section the log-reopening test gives ForkHost.
        string Section(string path) => $$"""
            { "Serilog": { "WriteTo": [ { "Name": "File", "Args": { "path": "{{path}}", "shared": true, "flushToDiskInterval": "00:00:00.100", "outputTemplate": "{Level:u3} {Process} {Message:lj}{NewLine}" } } ] } }
            """;
        string subsetLog = Path.Combine(_directory, "subset.log");
        string reflectionLog = Path.Combine(_directory, "reflection.log");

        SerilogSectionSubset subset = SerilogSectionSubset.Read(Json(Section(subsetLog)).GetSection("Serilog"));
        Assert.Empty(subset.LeftOut);
        using (Logger logger = subset.ApplyTo(new LoggerConfiguration().Enrich.WithProperty("Process", "worker 1")).CreateLogger())
            logger.Information("Hello {Name}", "file");
        using (Logger logger = new LoggerConfiguration().Enrich.WithProperty("Process", "worker 1").ReadFrom.Configuration(Json(Section(reflectionLog))).CreateLogger())
            logger.Information("Hello {Name}", "file");

        Assert.Equal("INF worker 1 Hello file\n", File.ReadAllText(subsetLog));
        Assert.Equal(File.ReadAllText(reflectionLog), File.ReadAllText(subsetLog));
    }

    [Fact]
    public void A_file_sink_with_a_compact_json_formatter_writes_json_lines()
    {
        string log = Path.Combine(_directory, "compact.log");
        List<LogEvent> _ = Run(new()
        {
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = log,
            ["Serilog:WriteTo:0:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
        }, logger => logger.Information("Hello {Name}", "json"));
        string line = Assert.Single(File.ReadAllLines(log));
        Assert.StartsWith("{\"@t\":", line);
        Assert.Contains("\"@mt\":\"Hello {Name}\",\"Name\":\"json\"", line);
    }

    [Fact]
    public void Keys_it_cannot_apply_are_named_and_the_rest_is_applied()
    {
        string log = Path.Combine(_directory, "partial.log");
        IConfiguration configuration = Configuration(new()
        {
            ["Serilog:Using:0"] = "Serilog.Sinks.File",
            ["Serilog:Using:1"] = "Serilog.Sinks.Seq",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:ControlledBy"] = "$switch",
            ["Serilog:WriteTo:0:Name"] = "Seq",
            ["Serilog:WriteTo:0:Args:serverUrl"] = "http://localhost:5341",
            ["Serilog:WriteTo:1:Name"] = "File",
            ["Serilog:WriteTo:1:Args:path"] = log,
            ["Serilog:WriteTo:1:Args:outputTemplate"] = "{Message:lj} {Site}{NewLine}",
            ["Serilog:WriteTo:1:Args:encoding"] = "System.Text.Encoding::UTF8",
            ["Serilog:Enrich:0"] = "FromLogContext",
            ["Serilog:Enrich:1"] = "WithMachineName",
            ["Serilog:Properties:Site"] = "eu-1",
            ["Serilog:Filter:0:Name"] = "ByExcluding",
        });

        SerilogSectionSubset subset = SerilogSectionSubset.Read(configuration.GetSection("Serilog"));
        using (Logger logger = subset.ApplyTo(new LoggerConfiguration()).CreateLogger())
        {
            logger.Information("dropped");
            logger.Warning("kept");
        }

        // In the configuration's order of keys (sorted, indexes as numbers), which is the order the section is read in.
        Assert.Equal(
        [
            "Serilog:Enrich:1 (WithMachineName)",
            "Serilog:Filter",
            "Serilog:MinimumLevel:ControlledBy",
            "Serilog:Using:1 (Serilog.Sinks.Seq)",
            "Serilog:WriteTo:0 (Seq)",
            "Serilog:WriteTo:1:Args:encoding",
        ], subset.LeftOut);
        Assert.Equal("kept eu-1\n", File.ReadAllText(log));
    }

    [Fact]
    public void A_level_switch_reference_is_left_out_rather_than_read_as_a_level()
    {
        SerilogSectionSubset subset = SerilogSectionSubset.Read(Configuration(new() { ["Serilog:MinimumLevel"] = "$controlSwitch" }).GetSection("Serilog"));
        Assert.Equal(["Serilog:MinimumLevel ($controlSwitch: level switches)"], subset.LeftOut);
    }

    [Theory]
    [InlineData("Serilog:WriteTo:0:Args:shared", "yes", "Serilog:WriteTo:0:Args:shared: 'yes' is not true or false.")]
    [InlineData("Serilog:WriteTo:0:Args:rollingInterval", "Weekly", "Serilog:WriteTo:0:Args:rollingInterval: 'Weekly' is not one of Infinite, Year, Month, Day, Hour, Minute.")]
    [InlineData("Serilog:WriteTo:0:Args:fileSizeLimitBytes", "1GB", "Serilog:WriteTo:0:Args:fileSizeLimitBytes: '1GB' is not a whole number.")]
    [InlineData("Serilog:WriteTo:0:Args:flushToDiskInterval", "soon", "Serilog:WriteTo:0:Args:flushToDiskInterval: 'soon' is not a time span (hh:mm:ss).")]
    public void A_file_argument_that_cannot_be_read_fails_naming_it(string key, string value, string expected)
    {
        IConfiguration configuration = Configuration(new()
        {
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = Path.Combine(_directory, "never.log"),
            [key] = value,
        });
        var error = Assert.Throws<InvalidOperationException>(() => SerilogSectionSubset.Read(configuration.GetSection("Serilog")));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_file_sink_without_a_path_fails()
    {
        IConfiguration configuration = Configuration(new() { ["Serilog:WriteTo:0:Name"] = "File", ["Serilog:WriteTo:0:Args:shared"] = "true" });
        var error = Assert.Throws<InvalidOperationException>(() => SerilogSectionSubset.Read(configuration.GetSection("Serilog")));
        Assert.Equal("Serilog:WriteTo:0: the File sink needs a path (Args:path).", error.Message);
    }

    [Fact]
    public void A_file_sink_that_cannot_start_fails_when_applied_as_the_start_check_applies_it()
    {
        // What ValidateSerilogSection does in a NativeAOT build: read, apply to a throwaway logger, create it. Serilog's
        // file sink refuses buffered writes to a shared file, under the JIT as well.
        IConfiguration configuration = Configuration(new()
        {
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = Path.Combine(_directory, "never.log"),
            ["Serilog:WriteTo:0:Args:shared"] = "true",
            ["Serilog:WriteTo:0:Args:buffered"] = "true",
        });
        SerilogSectionSubset subset = SerilogSectionSubset.Read(configuration.GetSection("Serilog"));
        var error = Assert.ThrowsAny<ArgumentException>(() => subset.ApplyTo(new LoggerConfiguration()).CreateLogger());
        var reflection = Assert.ThrowsAny<Exception>(() => new LoggerConfiguration().ReadFrom.Configuration(configuration).CreateLogger());
        Assert.Equal(Innermost(reflection).Message, error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<LogEvent> Run(Dictionary<string, string?> values, Action<Logger> log)
    {
        SerilogSectionSubset subset = SerilogSectionSubset.Read(Configuration(values).GetSection("Serilog"));
        var sink = new CollectingSink();
        using (Logger logger = subset.ApplyTo(new LoggerConfiguration().WriteTo.Sink(sink)).CreateLogger())
            log(logger);
        return sink.Events;
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
            e = inner;
        return e;
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }
}
