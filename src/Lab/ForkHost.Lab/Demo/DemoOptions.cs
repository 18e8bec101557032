using System.Globalization;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Lab.Demo;

/// <summary>Options of <c>forkhost demo</c>; the defaults finish in well under a minute on two cores.</summary>
internal sealed record DemoOptions
{
    public string? MySql { get; init; }
    public int Workers { get; init; } = 4;
    public int Requests { get; init; } = 500;
    public int Concurrency { get; init; } = 16;
    /// <summary>Bytes of padding in each echo row: larger replies make interleaved reads of a shared session more likely.</summary>
    public int Pad { get; init; } = 65536;
    public IReadOnlyList<string> Scenarios { get; init; } = [.. DemoScenario.All.Select(s => s.Number), .. Traps.TrapCatalog.All.Select(t => t.Number)];
    public bool Json { get; init; }
    public bool Verbose { get; init; }

    public const string Help = """
        Usage: forkhost demo [options]

        Runs the Comments sample under the supervisor in each fork-bug scenario, drives it with verified concurrent
        load, and prints one table; then the multi-process traps (scenarios 7 and up, docs/multi-process-traps.md),
        each broken (a) and fixed (b), against the Traps sample, in a second section. Uses --mysql / FORKHOST_MYSQL if given, else a Docker MySQL if Docker answers,
        else a throwaway local MariaDB started (and deleted) for the demo.

          --mysql CONNECTION-STRING   use this server (it must allow SET GLOBAL wait_timeout for scenarios 4 and 5)
          --mysql-file PATH           the same, read from a file (keeps the password out of ps)
          --workers N                 workers per scenario (default 4)
          --requests N                verified requests per scenario (default 500)
          --concurrency N             concurrent clients (default 16)
          --pad BYTES                 padding per echo row (default 65536)
          --scenarios LIST            e.g. 1,3,6a or 7 (both halves); default: all of them
          --json                      print the results as JSON instead of the table
          --verbose                   pass the supervisors' logs through to stderr

        Exit code 0 when every scenario showed what it is meant to show (failures for 1, 4, 6a and every trap's a half;
        none for the others).
        """;

    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DemoOptions { MySql = Environment.GetEnvironmentVariable("FORKHOST_MYSQL") };
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value.");
            int Number(int min, int max)
            {
                string text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                    ? n : throw new UsageException($"{name} must be a whole number from {min} to {max} (got '{text}').");
            }
            options = name switch
            {
                "--mysql" => options with { MySql = Value() },
                "--mysql-file" => options with { MySql = MySqlConnectionStringSource.ReadFile(Value(), "--mysql-file") },
                "--workers" => options with { Workers = Number(1, 64) },
                "--requests" => options with { Requests = Number(1, 1_000_000) },
                "--concurrency" => options with { Concurrency = Number(1, 1024) },
                "--pad" => options with { Pad = Number(0, 256 * 1024) },
                "--scenarios" => options with { Scenarios = ParseScenarios(Value()) },
                "--json" => options with { Json = true },
                "--verbose" => options with { Verbose = true },
                _ => throw new UsageException($"unknown demo option {name} (see 'forkhost demo --help')."),
            };
        }
        return options;
    }

    private static List<string> ParseScenarios(string text)
    {
        List<string> all = [.. DemoScenario.All.Select(s => s.Number), .. Traps.TrapCatalog.All.Select(t => t.Number)];
        var known = all.ToHashSet(StringComparer.Ordinal);
        var chosen = new List<string>();
        foreach (string item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // A number with halves (6, 7…) chooses both: the broken a and the fixed b.
            var halves = all.Where(n => n.Length == item.Length + 1 && n.StartsWith(item, StringComparison.Ordinal) && n[^1] is 'a' or 'b').ToList();
            if (!known.Contains(item) && halves.Count > 0)
                chosen.AddRange(halves);
            else if (known.Contains(item))
                chosen.Add(item);
            else
                throw new UsageException($"--scenarios: unknown scenario '{item}'; choose from {string.Join(", ", known)}.");
        }
        return chosen;
    }
}
