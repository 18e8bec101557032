using System.Net;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Tests.Configuration;

public sealed class CommandLineAndOptionsTests
{
    /// <summary>The README's CLI reference rows: the option names of the first cell and the default cell.</summary>
    private static IReadOnlyList<(IReadOnlyList<string> Names, string Default)> ReadmeOptionRows()
    {
        string readme = File.ReadAllText(Path.Combine(Infrastructure.RepositoryPaths.Root, "README.md"));
        string reference = readme[readme.IndexOf("## CLI reference", StringComparison.Ordinal)..];
        reference = reference[..reference.IndexOf("\n#", 3, StringComparison.Ordinal)];
        return reference.Split('\n')
            .Where(line => line.StartsWith("| `--", StringComparison.Ordinal))
            .Select(line => line.Split(" | "))
            .Select(cells => ((IReadOnlyList<string>)System.Text.RegularExpressions.Regex.Matches(cells[0], "`--([a-z-]+)").Select(m => m.Groups[1].Value).ToList(), cells[1].Trim()))
            .ToList();
    }

    [Fact]
    public void The_readme_documents_every_run_option_and_no_other()
    {
        var documented = ReadmeOptionRows().SelectMany(row => row.Names).Order().ToList();
        var declared = RunCommandLine.Options.Select(o => o.Name).Order().ToList();
        Assert.Equal(declared, documented);
    }

    [Fact]
    public void The_readme_states_the_defaults_the_options_have()
    {
        var defaults = new ForkHostOptions();
        int checkedDefaults = 0;
        foreach ((IReadOnlyList<string> names, string cell) in ReadmeOptionRows())
        {
            CommandLineOption option = RunCommandLine.Options.Single(o => o.Name == names[0]);
            object? value = typeof(ForkHostOptions).GetProperty(option.Key)!.GetValue(defaults);
            string stated = cell.Split(' ')[0].Trim('`');
            string actual = value switch
            {
                null => "none",
                double d => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // --bind: none given means the default address.
                List<string> { Count: 0 } => ForkHostOptions.DefaultBind,
                _ => value.ToString()!.ToLowerInvariant(),
            };
            // Only cells that state a plain value: a number, or one word that is the value (an enum, a flag, "none").
            if (char.IsAsciiDigit(stated[0]) || (stated == cell && stated != "required" && stated.All(char.IsAsciiLetterLower)))
            {
                Assert.True(stated == actual, $"README says --{option.Name} defaults to '{stated}', the option's default is '{actual}'");
                checkedDefaults++;
            }
        }
        Assert.True(checkedDefaults >= 15, $"only {checkedDefaults} defaults were checked");
    }

    [Fact]
    public void Repeated_binds_become_a_list_and_later_values_win_for_single_options()
    {
        (var settings, string? config) = RunCommandLine.Parse(["--bind", "127.0.0.1:1", "--bind=unix:/tmp/a.sock", "--workers", "2", "--workers=3", "--dispose-before-spawn=false", "--config", "x.json"]);

        Assert.Equal("127.0.0.1:1", settings["ForkHost:Bind:0"]);
        Assert.Equal("unix:/tmp/a.sock", settings["ForkHost:Bind:1"]);
        Assert.Equal("3", settings["ForkHost:Workers"]);
        Assert.Equal("false", settings["ForkHost:DisposeBeforeSpawn"]);
        Assert.Equal("x.json", config);
    }

    [Fact]
    public void Environment_variables_map_onto_the_ForkHost_section()
    {
        var settings = ForkHostConfiguration.FromEnvironment(new Dictionary<string, string>
        {
            ["FORKHOST_GRACEFUL_TIMEOUT"] = "5",
            ["FORKHOST_BIND__1"] = "[::1]:0",
            ["FORKHOST_MYSQL"] = "Server=db",
            ["FORKHOST_CHANNEL_FD"] = "7",
            ["PATH"] = "/bin",
        });

        Assert.Equal("5", settings["ForkHost:GracefulTimeout"]);
        Assert.Equal("[::1]:0", settings["ForkHost:Bind:1"]);
        Assert.Equal("Server=db", settings["ForkHost:Mysql"]);
        Assert.Equal(3, settings.Count);
    }

    [Fact]
    public void Command_line_overrides_environment_which_overrides_defaults()
    {
        Environment.SetEnvironmentVariable("FORKHOST_BACKLOG", "128");
        Environment.SetEnvironmentVariable("FORKHOST_WORKERS", "7");
        try
        {
            (_, ForkHostOptions options) = ForkHost.Supervisor.Configuration.RunSettingsLoader.Bind(["--app", Infrastructure.RepositoryPaths.HelloApp, "--workers", "3"]);
            Assert.Equal(3, options.Workers);
            Assert.Equal(128, options.Backlog);
            Assert.Equal(30, options.GracefulTimeout);
            Assert.Equal([ForkHostOptions.DefaultBind], ForkHostOptionsValidator.EffectiveBinds(options));
        }
        finally
        {
            Environment.SetEnvironmentVariable("FORKHOST_BACKLOG", null);
            Environment.SetEnvironmentVariable("FORKHOST_WORKERS", null);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:8000", "127.0.0.1", 8000)]
    [InlineData("0.0.0.0:0", "0.0.0.0", 0)]
    [InlineData("[::1]:443", "::1", 443)]
    [InlineData("localhost:80", "127.0.0.1", 80)]
    [InlineData("*:8080", "0.0.0.0", 8080)]
    public void Tcp_bind_addresses_parse(string text, string address, int port)
    {
        BindAddress bind = BindAddress.Parse(text);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), bind.TcpEndPoint);
    }

    [Theory]
    [InlineData("unix:relative.sock", "absolute path")]
    [InlineData("8000", "expected HOST:PORT")]
    [InlineData("127.0.0.1:70000", "not a number from 0 to 65535")]
    [InlineData("127.1:80", "not an IP address")]
    [InlineData("::1:80", "not an IP address")]
    public void Bad_bind_addresses_say_what_to_write(string text, string expected)
    {
        Assert.Contains(expected, Assert.Throws<UsageException>(() => BindAddress.Parse(text)).Message);
    }

    [Fact]
    public void Backoff_replaces_a_first_crash_at_once_then_grows_and_resets_after_a_stable_run()
    {
        var backoff = new ForkHost.Supervisor.Arbitration.SlotBackoff();
        Assert.Equal(TimeSpan.Zero, backoff.RecordFailure(0, TimeSpan.FromSeconds(1)));
        TimeSpan second = backoff.RecordFailure(0, TimeSpan.FromSeconds(1));
        TimeSpan third = backoff.RecordFailure(0, TimeSpan.FromSeconds(1));
        Assert.InRange(second.TotalMilliseconds, 80, 120);
        Assert.InRange(third.TotalMilliseconds, 160, 240);
        for (int i = 0; i < 20; i++)
            Assert.True(backoff.RecordFailure(0, null) <= ForkHost.Supervisor.Arbitration.SlotBackoff.MaxDelay * 1.2);
        Assert.Equal(TimeSpan.Zero, backoff.RecordFailure(0, TimeSpan.FromMinutes(1)));
    }
}
