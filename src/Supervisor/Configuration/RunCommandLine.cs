using System.Text;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// The command line of <c>forkhost run</c>, turned into configuration keys so that it layers over appsettings.json
/// and the environment like any other configuration source. Repeated --bind options become Bind:0, Bind:1, …
/// (the stock command-line provider would keep only the last).
/// </summary>
internal static class RunCommandLine
{
    public static readonly IReadOnlyList<CommandLineOption> Options =
    [
        new("app", "App", CommandLineOptionKind.Value, "PATH[:TYPE]", "The app assembly, and the type implementing IForkHostApp if it has several. Required."),
        new("workers", "Workers", CommandLineOptionKind.Value, "N", "Number of worker processes. Default: number of CPUs."),
        new("bind", "Bind", CommandLineOptionKind.List, "ADDRESS", "HOST:PORT, [IPv6]:PORT or unix:/path; repeatable. Port 0 picks a free port. Default 127.0.0.1:8000."),
        new("balance", "Balance", CommandLineOptionKind.Value, "shared|reuseport|dispatch", "shared: one listening socket all workers accept on; reuseport: one SO_REUSEPORT socket per worker slot (the kernel spreads by hash); dispatch: the supervisor accepts and hands connections to the workers in turn (even keep-alive spread). Default shared."),
        new("backlog", "Backlog", CommandLineOptionKind.Value, "N", "Listen backlog (supervisor and workers alike). Default 512."),
        new("unix-socket-mode", "UnixSocketMode", CommandLineOptionKind.Value, "OCTAL", "Permissions of unix: socket files. Default 660."),
        new("timeout", "Timeout", CommandLineOptionKind.Value, "SECONDS", "Kill and replace a worker silent for this long. Default 30."),
        new("boot-timeout", "BootTimeout", CommandLineOptionKind.Value, "SECONDS", "Kill a worker not ready after this long. Default 60."),
        new("graceful-timeout", "GracefulTimeout", CommandLineOptionKind.Value, "SECONDS", "Time in-flight requests get on a graceful stop. Default 30."),
        new("max-boot-failures", "MaxBootFailures", CommandLineOptionKind.Value, "N", "Halt (exit 3) after this many boot failures in a row. Default 5."),
        new("max-requests", "MaxRequests", CommandLineOptionKind.Value, "N", "Replace a worker after N requests, one worker at a time (0: never). Default 0."),
        new("max-requests-jitter", "MaxRequestsJitter", CommandLineOptionKind.Value, "N", "Add up to N requests to each worker's limit so they do not recycle together. Default 0."),
        new("max-worker-memory", "MaxWorkerMemory", CommandLineOptionKind.Value, "MIB", "Recycle a worker whose RSS exceeds this many MiB, gracefully (0: never). Default 0."),
        new("log-format", "LogFormat", CommandLineOptionKind.Value, "text|json", "Human-readable text or compact JSON lines. Default text."),
        new("access-log", "AccessLog", CommandLineOptionKind.Flag, "[=true|false]", "Log every request (method, path, status, duration) with the worker that served it. Default false."),
        new("user", "User", CommandLineOptionKind.Value, "NAME|UID", "Run workers as this user (the supervisor must be root; it binds first). Default: the supervisor's."),
        new("group", "Group", CommandLineOptionKind.Value, "NAME|GID", "Run workers in this group. Default: the --user's primary group."),
        new("worker-diagnostics", "WorkerDiagnostics", CommandLineOptionKind.Value, "on|off", "Workers open the .NET diagnostics socket in $TMPDIR (dotnet-counters, dotnet-trace), removed when a worker is reaped; off: DOTNET_EnableDiagnostics_IPC=0. Default on."),
        new("pid-file", "PidFile", CommandLineOptionKind.Value, "PATH", "Write the supervisor's pid here; removed on exit."),
        new("control-socket", "ControlSocket", CommandLineOptionKind.Value, "PATH", "Unix socket (mode 600) for 'forkhost status'. Default: the pid file's path ending in .sock, else in $RUNTIME_DIRECTORY, $XDG_RUNTIME_DIR or /tmp/forkhost-UID."),
        new("inherit", "Inherit", CommandLineOptionKind.Value, "listeners|fork", "Handles workers receive: listening sockets only, or every socket as fork(2) would. Default listeners."),
        new("dispose-before-spawn", "DisposeBeforeSpawn", CommandLineOptionKind.Flag, "[=true|false]", "Clear MySqlConnector pools before each spawn. Default true."),
        new("fork-safety", "ForkSafety", CommandLineOptionKind.Value, "off|warn|strict", "Audit of connections workers would share. Default warn."),
        new("mysql", "MySql", CommandLineOptionKind.Value, "CONNECTION-STRING", "The app's MySQL server, so the audit can name its connections (or FORKHOST_MYSQL). On the command line a password is visible to every local user: prefer --mysql-file."),
        new("mysql-file", "MySqlFile", CommandLineOptionKind.Value, "PATH", "A file holding the MySQL connection string (trailing newline ignored). Default: $CREDENTIALS_DIRECTORY/mysql if systemd loaded that credential."),
    ];

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

    public static string Help()
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: forkhost run --app PATH[:TYPE] [options]");
        text.AppendLine();
        text.AppendLine("Loads the app once in the supervisor, then serves it from N worker processes on Kestrel,");
        text.AppendLine("over listening sockets the supervisor binds and passes to each worker through a pipe.");
        text.AppendLine();
        text.AppendLine("Options (also FORKHOST_<NAME> variables and the \"ForkHost\" section of appsettings.json):");
        foreach (CommandLineOption option in Options)
            text.AppendLine($"  --{option.Name} {option.ValueName}".PadRight(46) + option.Help);
        text.AppendLine("  --config PATH".PadRight(46) + "appsettings file to read (default: appsettings.json in the current directory, if any).");
        return text.ToString();
    }
}
