using System.Collections;
using System.Text.Json;
using ForkHost.Logging;
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

    /// <param name="builder">A ConfigurationManager, which loads each source as it is added: a malformed file fails here.</param>
    /// <exception cref="UsageException">
    /// An option is malformed, the settings file is missing or is not valid JSON, or its "Serilog" section cannot be applied.
    /// </exception>
    public static void AddSources(ConfigurationManager builder, IReadOnlyList<string> args)
    {
        (Dictionary<string, string?> commandLine, string? configFile) = RunCommandLine.Parse(args);

        if (configFile is not null)
        {
            string path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
                throw new UsageException($"--config: file '{path}' does not exist.");
            AddJsonFile(builder, path, optional: false, "--config");
        }
        else
        {
            AddJsonFile(builder, Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, option: null);
        }

        builder.AddInMemoryCollection(FromEnvironment(Environment.GetEnvironmentVariables()));
        builder.AddInMemoryCollection(commandLine);
        MySqlConnectionStringSource.Apply(builder);

        // The supervisor and every worker apply the "Serilog" section when they build their loggers; one that cannot
        // work is refused here, at start and on a reload alike, instead of as an unhandled exception later.
        try
        {
            ForkHostLogging.ValidateSerilogSection(builder);
        }
        catch (LoggingConfigurationException e)
        {
            throw new UsageException($"the \"Serilog\" section of the configuration cannot be applied: {e.Message}");
        }
    }

    /// <summary>
    /// Adds a JSON settings file, turning the provider's failure (malformed JSON, or valid JSON it cannot use, such as
    /// a top-level array or a duplicate key) into one line naming the file, the line and the position.
    /// </summary>
    /// <param name="option">"--config" for the file it names; null for appsettings.json in the working directory.</param>
    private static void AddJsonFile(ConfigurationManager builder, string path, bool optional, string? option)
    {
        string file = option is null ? path : $"{option}: {path}";
        try
        {
            builder.AddJsonFile(path, optional, reloadOnChange: false);
        }
        catch (InvalidDataException e) when (FindJsonError(e) is { } json)
        {
            // JsonException counts lines and bytes from 0; editors count from 1.
            string position = json.LineNumber is long line
                ? $"line {line + 1}, position {json.BytePositionInLine + 1}"
                : "somewhere";
            throw new UsageException($"{file} is not valid JSON at {position}: {WithoutPosition(json.Message)}; fix the file and start again.");
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new UsageException($"{file} cannot be read as settings: {(e.InnerException ?? e).Message.TrimEnd('.')}; fix the file and start again.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{file}: cannot read it: {e.Message.TrimEnd('.')}.");
        }
    }

    /// <summary>The provider wraps the parser's error twice: InvalidDataException, FormatException, JsonException.</summary>
    private static JsonException? FindJsonError(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
                return json;
        }
        return null;
    }

    /// <summary>System.Text.Json ends its messages with " LineNumber: 2 | BytePositionInLine: 4.", which the line above restates.</summary>
    private static string WithoutPosition(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at < 0 ? message : message[..at]).TrimEnd().TrimEnd('.');
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
