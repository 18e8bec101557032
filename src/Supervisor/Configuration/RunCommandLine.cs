using System.Reflection;
using System.Text;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// The command line of <c>forkhost run</c>, turned into configuration keys so that it layers over appsettings.json
/// and the environment like any other configuration source. Repeated --bind options become Bind:0, Bind:1, …
/// (the stock command-line provider would keep only the last).
/// </summary>
internal static class RunCommandLine
{
    /// <summary>Every option, in --help's order, as <see cref="ForkHostOptions"/> declares it (<see cref="CommandLineAttribute"/>).</summary>
    public static readonly IReadOnlyList<CommandLineOption> Options = typeof(ForkHostOptions).GetProperties()
        .Select(property => (Property: property, Declared: property.GetCustomAttribute<CommandLineAttribute>()))
        .Where(option => option.Declared is not null)
        .Select(option => new CommandLineOption(option.Declared!.Name, option.Property.Name, KindOf(option.Property.PropertyType),
            option.Declared.ValueName, option.Declared.Help))
        .ToList();

    private static CommandLineOptionKind KindOf(Type type) =>
        type == typeof(bool) ? CommandLineOptionKind.Flag
        : type == typeof(List<string>) ? CommandLineOptionKind.List
        : CommandLineOptionKind.Value;

    /// <summary>Parses the arguments after "run". Returns the configuration keys and the --config file, if any.</summary>
    public static (Dictionary<string, string?> Settings, string? ConfigFile) Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var listCounts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        string? configFile = null;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'; options start with -- (see 'forkhost run --help').");

            string name = arg[2..];
            string? inlineValue = null;
            int equals = name.IndexOf('=');
            if (equals >= 0)
            {
                inlineValue = name[(equals + 1)..];
                name = name[..equals];
            }

            if (name == "config")
            {
                configFile = inlineValue ?? TakeValue(args, ref i, "config", "PATH");
                continue;
            }

            CommandLineOption option = Options.FirstOrDefault(o => o.Name == name)
                ?? throw new UsageException($"unknown option --{name} (see 'forkhost run --help').");
            string key = $"{ForkHostOptions.SectionName}:{option.Key}";
            switch (option.Kind)
            {
                case CommandLineOptionKind.Flag:
                    settings[key] = inlineValue ?? "true";
                    break;
                case CommandLineOptionKind.List:
                    int index = listCounts.GetValueOrDefault(option.Key);
                    listCounts[option.Key] = index + 1;
                    settings[$"{key}:{index}"] = inlineValue ?? TakeValue(args, ref i, option.Name, option.ValueName);
                    break;
                default:
                    settings[key] = inlineValue ?? TakeValue(args, ref i, option.Name, option.ValueName);
                    break;
            }
        }
        return (settings, configFile);
    }

    private static string TakeValue(IReadOnlyList<string> args, ref int i, string name, string valueName)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new UsageException($"--{name} needs a value ({valueName}).");
        return args[++i];
    }

    /// <summary>The command-line name of a configuration key, for error messages: "Workers" → "--workers".</summary>
    public static string OptionNameFor(string key)
    {
        string bare = key.StartsWith(ForkHostOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase)
            ? key[(ForkHostOptions.SectionName.Length + 1)..] : key;
        int colon = bare.IndexOf(':');
        if (colon >= 0)
            bare = bare[..colon];
        CommandLineOption? option = Options.FirstOrDefault(o => string.Equals(o.Key, bare, StringComparison.OrdinalIgnoreCase));
        return option is null ? bare : $"--{option.Name}";
    }

    /// <param name="ownProgram">The app's own executable, which takes every option but --app; null for forkhost run.</param>
    public static string Help(string? ownProgram = null)
    {
        var text = new StringBuilder();
        if (ownProgram is null)
        {
            text.AppendLine("Usage: forkhost run --app PATH[:TYPE] [options]");
            text.AppendLine();
            text.AppendLine("Loads the app once in the supervisor, then serves it from N worker processes on Kestrel,");
            text.AppendLine("over listening sockets the supervisor binds and passes to each worker through a pipe.");
        }
        else
        {
            text.AppendLine($"Usage: {ownProgram} [options]          serve this app with ForkHost");
            text.AppendLine($"       {ownProgram} status [options]   show the running supervisor's workers (--help for its options)");
            text.AppendLine();
            text.AppendLine("Runs the app's load step once in this process, the supervisor, then serves the app from N worker");
            text.AppendLine("processes on Kestrel, each one this program started again, over listening sockets the supervisor");
            text.AppendLine("binds and passes to each worker through a pipe. The options are forkhost run's, but --app.");
        }
        text.AppendLine();
        text.AppendLine("Options (also FORKHOST_<NAME> variables and the \"ForkHost\" section of appsettings.json):");
        foreach (CommandLineOption option in Options.Where(o => ownProgram is null || o.Name != "app"))
            text.AppendLine($"  --{option.Name} {option.ValueName}".PadRight(46) + option.Help);
        text.AppendLine("  --config PATH".PadRight(46) + "appsettings file to read (default: appsettings.json in the current directory, if any).");
        return text.ToString();
    }
}
