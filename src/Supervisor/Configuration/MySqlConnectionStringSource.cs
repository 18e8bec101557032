using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Where the app's MySQL connection string comes from, resolved once per configuration load (start, and each HUP):
/// <list type="number">
/// <item><c>--mysql CONNECTION-STRING</c> or <c>--mysql-file PATH</c>, layered like every option (command line over
/// FORKHOST_MYSQL / FORKHOST_MYSQL_FILE over the settings file); both in the same layer is an error;</item>
/// <item>else the systemd credential <c>mysql</c>: <c>$CREDENTIALS_DIRECTORY/mysql</c>, from
/// <c>LoadCredential=mysql:/etc/forkhost/mysql</c> (or SetCredentialEncrypted=) in the unit.</item>
/// </list>
/// A file's trailing newline is not part of the connection string. The result becomes ForkHost:MySql, so every
/// consumer (the audit, the pool-fit check, the app's configuration) sees one value. Only --mysql puts the secret in
/// the argv, which every local user can read through ps and a USR2 successor inherits.
/// </summary>
internal static partial class MySqlConnectionStringSource
{
    /// <summary>The credential's name: LoadCredential=mysql:PATH.</summary>
    public const string CredentialName = "mysql";

    private const string ValueKey = ForkHostOptions.SectionName + ":" + nameof(ForkHostOptions.MySql);
    private const string FileKey = ForkHostOptions.SectionName + ":" + nameof(ForkHostOptions.MySqlFile);

    /// <summary>Puts the effective connection string at ForkHost:MySql, on top of every other source.</summary>
    /// <exception cref="UsageException">Both forms in one layer, or a file that cannot be read or is empty.</exception>
    public static void Apply(ConfigurationManager configuration)
    {
        string? resolved = Resolve(configuration, Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY"));
        if (resolved is not null && resolved != configuration[ValueKey])
            configuration.AddInMemoryCollection([new KeyValuePair<string, string?>(ValueKey, resolved)]);
    }

    /// <param name="credentialsDirectory">$CREDENTIALS_DIRECTORY, set by systemd when the unit loads credentials.</param>
    /// <returns>The connection string, or null when none is configured anywhere.</returns>
    internal static string? Resolve(IConfigurationRoot configuration, string? credentialsDirectory)
    {
        // The last provider that sets either key decides, as it would for any single option.
        foreach (IConfigurationProvider provider in configuration.Providers.Reverse())
        {
            bool hasValue = provider.TryGet(ValueKey, out string? value) && !string.IsNullOrWhiteSpace(value);
            bool hasFile = provider.TryGet(FileKey, out string? file) && !string.IsNullOrWhiteSpace(file);
            if (hasValue && hasFile)
                throw new UsageException("--mysql and --mysql-file are both given (in the same place: command line, environment or settings file); give one of them.");
            if (hasValue)
                return value;
            if (hasFile)
                return ReadFile(file!, "--mysql-file");
        }

        if (!string.IsNullOrEmpty(credentialsDirectory))
        {
            string credential = Path.Combine(credentialsDirectory, CredentialName);
            if (File.Exists(credential))
                return ReadFile(credential, $"the systemd credential '{CredentialName}'");
        }
        return null;
    }

    /// <summary>
    /// Once at start: a password given as --mysql on this command line is readable by every local user (ps), and is
    /// inherited by a USR2 successor. The secret itself is never echoed.
    /// </summary>
    public static void WarnIfOnCommandLine(IReadOnlyList<string> args, ILogger logger)
    {
        if (RunCommandLine.Parse(args).Settings.TryGetValue(ValueKey, out string? value) && value is not null && CarriesPassword(value))
            LogPasswordOnCommandLine(logger);
    }

    internal static bool CarriesPassword(string connectionString)
    {
        try
        {
            return !string.IsNullOrEmpty(new MySqlConnectionStringBuilder(connectionString).Password);
        }
        catch (ArgumentException)
        {
            // Malformed: say nothing here (the pool-fit check reports it), rather than guess.
            return false;
        }
    }

    /// <summary>A connection string from a file (also for forkhost demo and forkhost mysql-server --mysql-file).</summary>
    /// <param name="what">How error messages name the source: "--mysql-file".</param>
    /// <exception cref="UsageException">The file cannot be read, or holds nothing.</exception>
    public static string ReadFile(string path, string what)
    {
        path = Path.GetFullPath(path);
        // .NET reports reading a directory as "access denied", which would send the operator to the permissions.
        if (Directory.Exists(path))
            throw new UsageException($"{what}: {path} is a directory; give the file that holds the MySQL connection string.");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{what}: cannot read {path}: {e.Message.TrimEnd('.')}; it should hold the MySQL connection string.");
        }
        // echo and most editors end the file with a newline, which is not part of the connection string.
        string connectionString = text.TrimEnd('\n', '\r');
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new UsageException($"{what}: {path} is empty; it should hold the MySQL connection string.");
        return connectionString;
    }

    [LoggerMessage(EventId = Logging.EventIds.MySqlOnCommandLine, Level = LogLevel.Warning,
        Message = "--mysql carries a password on the command line, where every local user can read it (ps) and a USR2 successor inherits it; use --mysql-file PATH, the systemd credential 'mysql' (LoadCredential=) or FORKHOST_MYSQL instead")]
    private static partial void LogPasswordOnCommandLine(ILogger logger);
}
