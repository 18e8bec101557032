using System.Collections;
using Microsoft.Extensions.Configuration;

namespace ForkHost.Supervisor.Configuration;

/// <summary>Layers the configuration sources: appsettings file, FORKHOST_* environment variables, command line.</summary>
internal static class ForkHostConfiguration
{
    public const string EnvironmentPrefix = "FORKHOST_";

    /// <summary>Variables that are ForkHost's plumbing, not settings.</summary>
    private static readonly HashSet<string> NotSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "FORKHOST_CHANNEL_FD", "FORKHOST_SUPERVISOR_PID",
    };

    public static void AddSources(IConfigurationBuilder builder, IReadOnlyList<string> args)
    {
        (Dictionary<string, string?> commandLine, string? configFile) = RunCommandLine.Parse(args);

        if (configFile is not null)
        {
            string path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
                throw new UsageException($"--config: file '{path}' does not exist.");
            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        else
        {
            builder.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        }

        builder.AddInMemoryCollection(FromEnvironment(Environment.GetEnvironmentVariables()));
        builder.AddInMemoryCollection(commandLine);
    }

    /// <summary>FORKHOST_GRACEFUL_TIMEOUT → ForkHost:GracefulTimeout; FORKHOST_BIND__1 → ForkHost:Bind:1.</summary>
    internal static Dictionary<string, string?> FromEnvironment(IDictionary variables)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in variables)
        {
            string name = (string)entry.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || NotSettings.Contains(name))
                continue;
            string[] parts = name[EnvironmentPrefix.Length..].Split("__");
            parts[0] = string.Concat(parts[0].Split('_', StringSplitOptions.RemoveEmptyEntries)
                .Select(word => char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant()));
            settings[$"{ForkHostOptions.SectionName}:{string.Join(':', parts)}"] = (string?)entry.Value;
        }
        return settings;
    }
}
