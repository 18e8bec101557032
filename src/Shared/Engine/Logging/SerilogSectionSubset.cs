using System.Globalization;
using Microsoft.Extensions.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Json;
using Serilog.Sinks.SystemConsole.Themes;

namespace ForkHost.Logging;

/// <summary>
/// The part of the "Serilog" section ForkHost applies by itself, in a NativeAOT build: Serilog.Settings.Configuration
/// finds sinks, enrichers and their arguments by reflection over the assemblies it loads, which such a build cannot do.
/// Read: <c>MinimumLevel</c> (a level, or <c>Default</c> and <c>Override</c>), <c>WriteTo</c> entries named
/// <c>File</c> and <c>Console</c> with the arguments listed in <see cref="FileArguments"/> and
/// <see cref="ConsoleArguments"/>, <c>Enrich</c> with <c>FromLogContext</c>, <c>Properties</c>, and <c>Using</c> of
/// the Serilog assemblies ForkHost carries. Anything else is left out and named in <see cref="LeftOut"/>, for one
/// warning line; a value that cannot be read is an error, as it is for Serilog.Settings.Configuration.
/// </summary>
internal sealed class SerilogSectionSubset
{
    /// <summary>The File sink's arguments this reader maps (Serilog.Sinks.File's own names).</summary>
    public static readonly IReadOnlyList<string> FileArguments =
    [
        "path", "outputTemplate", "formatter", "restrictedToMinimumLevel", "fileSizeLimitBytes", "buffered", "shared",
        "flushToDiskInterval", "rollingInterval", "rollOnFileSizeLimit", "retainedFileCountLimit", "retainedFileTimeLimit",
    ];

    /// <summary>The Console sink's arguments this reader maps (Serilog.Sinks.Console's own names).</summary>
    public static readonly IReadOnlyList<string> ConsoleArguments =
    [
        "outputTemplate", "formatter", "restrictedToMinimumLevel", "standardErrorFromLevel", "theme", "applyThemeToRedirectedOutput",
    ];

    /// <summary>The assemblies a "Using" entry may name: those ForkHost references, whose sinks this reader knows.</summary>
    private static readonly HashSet<string> CarriedAssemblies = new(StringComparer.OrdinalIgnoreCase)
    {
        "Serilog", "Serilog.Sinks.File", "Serilog.Sinks.Console", "Serilog.Formatting.Compact", "Serilog.Settings.Configuration",
        "Serilog.Extensions.Hosting", "Serilog.Extensions.Logging",
    };

    // Serilog.Sinks.File's defaults, for the arguments a section leaves out.
    private const string FileDefaultTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {Message:lj}{NewLine}{Exception}";
    private const long FileDefaultSizeLimit = 1L * 1024 * 1024 * 1024;
    private const int FileDefaultRetainedCount = 31;

    // Serilog.Sinks.Console's default.
    private const string ConsoleDefaultTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    private readonly List<Action<LoggerConfiguration>> _steps = [];
    private readonly List<string> _leftOut = [];

    private SerilogSectionSubset()
    {
    }

    /// <summary>Each key (or argument) of the section that was not applied, as its path with what it named.</summary>
    public IReadOnlyList<string> LeftOut => _leftOut;

    /// <exception cref="InvalidOperationException">A level, number, switch or time span that cannot be read; a WriteTo entry without a name; a File sink without a path.</exception>
    public static SerilogSectionSubset Read(IConfigurationSection section)
    {
        var subset = new SerilogSectionSubset();
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (Is(child, "MinimumLevel"))
                subset.ReadMinimumLevel(child);
            else if (Is(child, "WriteTo"))
                subset.ReadEntries(child, subset.ReadSink);
            else if (Is(child, "Enrich"))
                subset.ReadEntries(child, subset.ReadEnricher);
            else if (Is(child, "Properties"))
                subset.ReadProperties(child);
            else if (Is(child, "Using"))
                subset.ReadUsing(child);
            else
                subset._leftOut.Add(child.Path);
        }
        return subset;
    }

    /// <summary>Applies what was read, in the section's order. A sink that cannot start (a directory it may not create) throws here.</summary>
    public LoggerConfiguration ApplyTo(LoggerConfiguration logger)
    {
        foreach (Action<LoggerConfiguration> step in _steps)
            step(logger);
        return logger;
    }

    private void ReadMinimumLevel(IConfigurationSection minimumLevel)
    {
        if (minimumLevel.Value is { } value)
        {
            if (LevelOrSwitch(minimumLevel, value) is LogEventLevel level)
                _steps.Add(logger => logger.MinimumLevel.Is(level));
            return;
        }
        foreach (IConfigurationSection child in minimumLevel.GetChildren())
        {
            if (Is(child, "Default") && child.Value is { } text)
            {
                if (LevelOrSwitch(child, text) is LogEventLevel level)
                    _steps.Add(logger => logger.MinimumLevel.Is(level));
            }
            else if (Is(child, "Override"))
            {
                foreach (IConfigurationSection source in child.GetChildren())
                {
                    string context = source.Key;
                    if (source.Value is { } overrideText && LevelOrSwitch(source, overrideText) is LogEventLevel level)
                        _steps.Add(logger => logger.MinimumLevel.Override(context, level));
                }
            }
            else
            {
                // ControlledBy (a level switch) and anything unknown.
                _leftOut.Add(child.Path);
            }
        }
    }

    /// <summary>WriteTo and Enrich: an array (or object) of entries, each a bare name or { Name, Args }.</summary>
    private void ReadEntries(IConfigurationSection list, Action<IConfigurationSection, string, IConfigurationSection> read)
    {
        if (list.Value is { } single)
        {
            // "WriteTo": "Console" binds as one value rather than as an array of one.
            read(list, single, list.GetSection("Args"));
            return;
        }
        foreach (IConfigurationSection entry in list.GetChildren())
        {
            if (entry.Value is { } name)
            {
                read(entry, name, entry.GetSection("Args"));
                continue;
            }
            name = entry["Name"] ?? throw new InvalidOperationException($"The configuration value in {entry.Path} has no 'Name' element.");
            foreach (IConfigurationSection other in entry.GetChildren())
            {
                if (!Is(other, "Name") && !Is(other, "Args"))
                    _leftOut.Add(other.Path);
            }
            read(entry, name, entry.GetSection("Args"));
        }
    }

    private void ReadSink(IConfigurationSection entry, string name, IConfigurationSection args)
    {
        if (name.Equals("File", StringComparison.OrdinalIgnoreCase))
            ReadFileSink(entry, args);
        else if (name.Equals("Console", StringComparison.OrdinalIgnoreCase))
            ReadConsoleSink(entry, args);
        else
            _leftOut.Add($"{entry.Path} ({name})");
    }

    private void ReadFileSink(IConfigurationSection entry, IConfigurationSection args)
    {
        ArgumentReader arguments = ReadArguments(args, FileArguments);
        string path = arguments.Text("path") is { Length: > 0 } given
            ? given
            : throw new InvalidOperationException($"{entry.Path}: the File sink needs a path (Args:path).");
        string template = arguments.Text("outputTemplate") ?? FileDefaultTemplate;
        LogEventLevel restrictedTo = arguments.Level("restrictedToMinimumLevel") ?? LogEventLevel.Verbose;
        long? sizeLimit = arguments.Has("fileSizeLimitBytes") ? arguments.Long("fileSizeLimitBytes") : FileDefaultSizeLimit;
        bool buffered = arguments.Bool("buffered") ?? false;
        bool shared = arguments.Bool("shared") ?? false;
        TimeSpan? flushInterval = arguments.Duration("flushToDiskInterval");
        RollingInterval rolling = arguments.Enum<RollingInterval>("rollingInterval") ?? RollingInterval.Infinite;
        bool rollOnSize = arguments.Bool("rollOnFileSizeLimit") ?? false;
        int? retainedCount = arguments.Has("retainedFileCountLimit") ? arguments.Int("retainedFileCountLimit") : FileDefaultRetainedCount;
        TimeSpan? retainedTime = arguments.Duration("retainedFileTimeLimit");
        if (!TryFormatter(entry, arguments, out ITextFormatter? formatter))
            return;

        _steps.Add(formatter is null
            ? logger => logger.WriteTo.File(path, restrictedTo, template, formatProvider: null,
                fileSizeLimitBytes: sizeLimit, buffered: buffered, shared: shared, flushToDiskInterval: flushInterval,
                rollingInterval: rolling, rollOnFileSizeLimit: rollOnSize, retainedFileCountLimit: retainedCount,
                retainedFileTimeLimit: retainedTime)
            : logger => logger.WriteTo.File(formatter, path, restrictedTo,
                fileSizeLimitBytes: sizeLimit, buffered: buffered, shared: shared, flushToDiskInterval: flushInterval,
                rollingInterval: rolling, rollOnFileSizeLimit: rollOnSize, retainedFileCountLimit: retainedCount,
                retainedFileTimeLimit: retainedTime));
    }

    private void ReadConsoleSink(IConfigurationSection entry, IConfigurationSection args)
    {
        ArgumentReader arguments = ReadArguments(args, ConsoleArguments);
        string template = arguments.Text("outputTemplate") ?? ConsoleDefaultTemplate;
        LogEventLevel restrictedTo = arguments.Level("restrictedToMinimumLevel") ?? LogEventLevel.Verbose;
        LogEventLevel? standardErrorFrom = arguments.Level("standardErrorFromLevel");
        bool themeRedirected = arguments.Bool("applyThemeToRedirectedOutput") ?? false;
        ConsoleTheme? theme = null;
        if (arguments.Text("theme") is { } themeName && (theme = ThemeNamed(themeName)) is null)
        {
            _leftOut.Add($"{entry.Path} (Console: theme '{themeName}' is not one of Serilog.Sinks.Console's own)");
            return;
        }
        if (!TryFormatter(entry, arguments, out ITextFormatter? formatter))
            return;

        _steps.Add(formatter is null
            ? logger => logger.WriteTo.Console(restrictedTo, template, formatProvider: null,
                standardErrorFromLevel: standardErrorFrom, theme: theme, applyThemeToRedirectedOutput: themeRedirected)
            : logger => logger.WriteTo.Console(formatter, restrictedTo, standardErrorFromLevel: standardErrorFrom));
    }

    /// <summary>
    /// The formatter argument, as Serilog.Settings.Configuration takes it ("Type, Assembly", or { "type": ... }), for the
    /// JSON formatters ForkHost carries. Another formatter would write another format: the sink is left out instead.
    /// </summary>
    private bool TryFormatter(IConfigurationSection entry, ArgumentReader arguments, out ITextFormatter? formatter)
    {
        formatter = null;
        if (arguments.Section("formatter") is not { } section)
            return true;
        string? typeName = section.Value ?? section["type"];
        if (typeName is not null && section.GetChildren().All(c => Is(c, "type")))
        {
            formatter = typeName.Split(',')[0].Trim() switch
            {
                "Serilog.Formatting.Compact.CompactJsonFormatter" => new CompactJsonFormatter(),
                "Serilog.Formatting.Compact.RenderedCompactJsonFormatter" => new RenderedCompactJsonFormatter(),
                "Serilog.Formatting.Json.JsonFormatter" => new JsonFormatter(),
                _ => null,
            };
        }
        if (formatter is null)
        {
            _leftOut.Add($"{entry.Path} (formatter '{typeName ?? section.Path}' is not one of CompactJsonFormatter, RenderedCompactJsonFormatter, JsonFormatter)");
            return false;
        }
        if (arguments.Has("outputTemplate"))
            _leftOut.Add($"{section.Path.Replace(":formatter", ":outputTemplate", StringComparison.OrdinalIgnoreCase)} (a formatter is given)");
        return true;
    }

    /// <summary>A theme as Serilog.Settings.Configuration names a static member: "Namespace.Type::Member, Assembly".</summary>
    private static ConsoleTheme? ThemeNamed(string name) => name.Split(',')[0].Trim() switch
    {
        "Serilog.Sinks.SystemConsole.Themes.AnsiConsoleTheme::Code" => AnsiConsoleTheme.Code,
        "Serilog.Sinks.SystemConsole.Themes.AnsiConsoleTheme::Literate" => AnsiConsoleTheme.Literate,
        "Serilog.Sinks.SystemConsole.Themes.AnsiConsoleTheme::Grayscale" => AnsiConsoleTheme.Grayscale,
        "Serilog.Sinks.SystemConsole.Themes.AnsiConsoleTheme::Sixteen" => AnsiConsoleTheme.Sixteen,
        "Serilog.Sinks.SystemConsole.Themes.SystemConsoleTheme::Literate" => SystemConsoleTheme.Literate,
        "Serilog.Sinks.SystemConsole.Themes.SystemConsoleTheme::Grayscale" => SystemConsoleTheme.Grayscale,
        "Serilog.Sinks.SystemConsole.Themes.SystemConsoleTheme::Colored" => SystemConsoleTheme.Colored,
        "Serilog.Sinks.SystemConsole.Themes.SystemConsoleTheme::None" or "Serilog.Sinks.SystemConsole.Themes.ConsoleTheme::None" => ConsoleTheme.None,
        _ => null,
    };

    private void ReadEnricher(IConfigurationSection entry, string name, IConfigurationSection args)
    {
        if (name.Equals("FromLogContext", StringComparison.OrdinalIgnoreCase) && !args.GetChildren().Any())
            _steps.Add(logger => logger.Enrich.FromLogContext());
        else
            _leftOut.Add($"{entry.Path} ({name})");
    }

    private void ReadProperties(IConfigurationSection properties)
    {
        foreach (IConfigurationSection property in properties.GetChildren())
        {
            if (property.Value is { } value)
            {
                string name = property.Key;
                _steps.Add(logger => logger.Enrich.WithProperty(name, value));
            }
            else
            {
                // A structured value: Serilog.Settings.Configuration would not take it either, but say so.
                _leftOut.Add(property.Path);
            }
        }
    }

    private void ReadUsing(IConfigurationSection assemblies)
    {
        foreach (IConfigurationSection assembly in assemblies.GetChildren())
        {
            if (assembly.Value is not { } name || !CarriedAssemblies.Contains(name.Trim()))
                _leftOut.Add($"{assembly.Path} ({assembly.Value})");
        }
    }

    /// <summary>The sink's arguments; those this reader does not map are left out (the sink is applied without them).</summary>
    private ArgumentReader ReadArguments(IConfigurationSection args, IReadOnlyList<string> known)
    {
        var arguments = new ArgumentReader(this);
        foreach (IConfigurationSection argument in args.GetChildren())
        {
            if (known.Contains(argument.Key, StringComparer.OrdinalIgnoreCase))
                arguments.Add(argument);
            else
                _leftOut.Add(argument.Path);
        }
        return arguments;
    }

    /// <summary>A level, as Serilog.Settings.Configuration reads one; a reference to a level switch ("$name") is left out.</summary>
    private LogEventLevel? LevelOrSwitch(IConfigurationSection key, string value)
    {
        if (value.StartsWith('$'))
        {
            _leftOut.Add($"{key.Path} ({value}: level switches)");
            return null;
        }
        return ParseLevel(value);
    }

    /// <exception cref="InvalidOperationException">Not a level; the message is Serilog.Settings.Configuration's own.</exception>
    internal static LogEventLevel ParseLevel(string value) =>
        System.Enum.TryParse(value, ignoreCase: true, out LogEventLevel level)
            ? level
            : throw new InvalidOperationException($"The value {value} is not a valid Serilog level.");

    private static bool Is(IConfigurationSection section, string key) => section.Key.Equals(key, StringComparison.OrdinalIgnoreCase);

    /// <summary>One sink's arguments by name, each read as Serilog.Settings.Configuration converts strings: invariant culture, "" as null.</summary>
    private sealed class ArgumentReader(SerilogSectionSubset owner)
    {
        private readonly Dictionary<string, IConfigurationSection> _arguments = new(StringComparer.OrdinalIgnoreCase);

        public void Add(IConfigurationSection argument) => _arguments[argument.Key] = argument;

        public bool Has(string name) => _arguments.ContainsKey(name);

        public IConfigurationSection? Section(string name) => _arguments.GetValueOrDefault(name);

        public string? Text(string name) => _arguments.TryGetValue(name, out IConfigurationSection? argument) ? argument.Value : null;

        public LogEventLevel? Level(string name) =>
            Given(name, out string? text, out IConfigurationSection? argument) ? owner.LevelOrSwitch(argument, text) : null;

        public bool? Bool(string name) => Convert<bool>(name, text => bool.TryParse(text, out bool value) ? value : (bool?)null, "true or false");

        public int? Int(string name) => Convert<int>(name, text => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : (int?)null, "a whole number");

        public long? Long(string name) => Convert<long>(name, text => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : (long?)null, "a whole number");

        public System.TimeSpan? Duration(string name) => Convert<System.TimeSpan>(name, text => System.TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out System.TimeSpan value) ? value : (System.TimeSpan?)null, "a time span (hh:mm:ss)");

        public T? Enum<T>(string name) where T : struct, System.Enum =>
            Convert<T>(name, text => System.Enum.TryParse(text, ignoreCase: true, out T value) && System.Enum.IsDefined(value) ? value : (T?)null, $"one of {string.Join(", ", System.Enum.GetNames<T>())}");

        private T? Convert<T>(string name, Func<string, T?> parse, string expected) where T : struct
        {
            if (!Given(name, out string? text, out IConfigurationSection? argument))
                return null;
            return parse(text.Trim()) ?? throw new InvalidOperationException($"{argument.Path}: '{text}' is not {expected}.");
        }

        /// <summary>The argument's text; false when it is absent, empty or null (a nullable argument's null).</summary>
        private bool Given(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IConfigurationSection? argument)
        {
            text = null;
            if (!_arguments.TryGetValue(name, out argument) || string.IsNullOrEmpty(argument.Value))
                return false;
            text = argument.Value;
            return true;
        }
    }
}
