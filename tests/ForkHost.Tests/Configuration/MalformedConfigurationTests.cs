using Microsoft.Extensions.Configuration;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Configuration;

/// <summary>A settings file that cannot be read is one line naming the file, the line and the position, and exit 2.</summary>
public sealed class MalformedConfigurationTests : IDisposable
{
    private const string MissingComma = "{\n  \"ForkHost\": {\n    \"Workers\": 2\n    \"Timeout\": 10\n  }\n}\n";

    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-config-").FullName;

    [Fact]
    public async Task A_malformed_appsettings_json_in_the_working_directory_exits_2_naming_file_line_and_position()
    {
        string file = Path.Combine(_directory, "appsettings.json");
        await File.WriteAllTextAsync(file, MissingComma);

        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0"], workingDirectory: _directory);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: {file} is not valid JSON at line 4, position 5: ", line);
        Assert.Empty(forkhost.EventsWithId(EventIds.SupervisorStarting));
    }

    [Fact]
    public async Task A_malformed_config_file_exits_2_naming_the_option_file_line_and_position()
    {
        string file = Path.Combine(_directory, "forkhost.json");
        await File.WriteAllTextAsync(file, "{ \"ForkHost\": {\n  workers: 2 } }");

        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--bind", "127.0.0.1:0", "--config", file]);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: --config: {file} is not valid JSON at line 2, position 3: ", line);
        Assert.DoesNotContain("   at ", forkhost.Stderr + forkhost.Stdout);
    }

    [Fact]
    public async Task Valid_json_that_is_not_a_settings_object_exits_2_with_one_line()
    {
        string file = Path.Combine(_directory, "forkhost.json");
        await File.WriteAllTextAsync(file, "[1, 2]");

        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--config", file]);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"forkhost: --config: {file} cannot be read as settings: Top-level JSON element must be an object. Instead, 'Array' was found; fix the file and start again.", line);
    }

    [Fact]
    public async Task A_serilog_section_that_cannot_be_applied_exits_2_with_one_line_instead_of_a_crash()
    {
        string file = Path.Combine(_directory, "forkhost.json");
        await File.WriteAllTextAsync(file, """{ "Serilog": { "MinimumLevel": "Loud" } }""");

        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--config", file]);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("forkhost: the \"Serilog\" section of the configuration cannot be applied: InvalidOperationException: The value Loud is not a valid Serilog level.", line);
    }

    [Fact]
    public void A_process_whose_serilog_section_cannot_be_applied_logs_to_the_console_instead_of_crashing()
    {
        // What a worker does if its environment differs from the supervisor's, which validated the section.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Serilog:MinimumLevel"] = "Loud" })
            .Build();
        using var logger = ForkHostLogging.CreateReopenable(configuration, ForkHostLogging.JsonFormat, "worker", 1, 1);
        ForkHostLogging.Reopen(logger, configuration, ForkHostLogging.JsonFormat, "worker", 1, 1);
        logger.Information("still logging");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
