using System.Text;
using System.Text.RegularExpressions;

namespace ForkHost.Supervisor.Secrets;

/// <summary>
/// Masks the password in a connection string before it reaches a log, an error or status output. Parsed by hand
/// because Shared does not reference MySqlConnector: <c>key=value;</c> pairs, values optionally quoted.
/// </summary>
internal static partial class ConnectionStringRedactor
{
    public const string Mask = "***";

    public static string Redact(string connectionString)
    {
        var result = new StringBuilder(connectionString.Length);
        int position = 0;
        foreach (Match pair in Pair().Matches(connectionString))
        {
            result.Append(connectionString, position, pair.Index - position);
            string key = pair.Groups["key"].Value;
            bool secret = IsSecret(key);
            result.Append(pair.Groups["lead"].Value).Append(key).Append(pair.Groups["equals"].Value)
                .Append(secret ? Mask : pair.Groups["value"].Value);
            position = pair.Index + pair.Length;
        }
        result.Append(connectionString, position, connectionString.Length - position);
        return result.ToString();
    }

    private static bool IsSecret(string key)
    {
        string normalized = key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return normalized is "password" or "pwd" or "password1" or "password2" or "password3";
    }

    [GeneratedRegex("""(?<lead>(?:^|;)\s*)(?<key>[^=;]+?)(?<equals>\s*=\s*)(?<value>"(?:[^"]|"")*"|'(?:[^']|'')*'|[^;]*)""")]
    private static partial Regex Pair();
}
