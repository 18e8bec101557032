using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Traps.Background;

/// <summary>
/// Traps:Background:* — Table (required to run the job: the scenario names one per run), Placed (true: the fix),
/// TickMilliseconds (default 250); the server is ForkHost's (--mysql-file / --mysql / FORKHOST_MYSQL).
/// </summary>
internal sealed record BackgroundTrapOptions(string ConnectionString, string Table, bool Placed, int TickMilliseconds)
{
    public const string Section = "Traps:Background";

    /// <returns>Null when no table is configured: the job is off (the other traps' runs).</returns>
    public static BackgroundTrapOptions? From(IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(Section);
        if (section["Table"] is not { Length: > 0 } table)
            return null;
        // A table name cannot be a parameter: only letters, digits and underscores reach the SQL text.
        if (!table.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new InvalidOperationException($"{Section}:Table '{table}' may hold letters, digits and underscores only.");
        string connectionString = configuration["ForkHost:MySql"]
            ?? throw new InvalidOperationException($"{Section}:Table is set, but there is no MySQL server: pass --mysql-file PATH or set FORKHOST_MYSQL.");
        bool placed = bool.TryParse(section["Placed"], out bool value) && value;
        int tick = int.TryParse(section["TickMilliseconds"], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms > 0 ? ms : 250;
        return new BackgroundTrapOptions(connectionString, table, placed, tick);
    }
}
