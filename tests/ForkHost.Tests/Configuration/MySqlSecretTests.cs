using ForkHost.Logging;
using ForkHost.Supervisor.Configuration;
using ForkHost.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ForkHost.Tests.Configuration;

/// <summary>The MySQL password stays out of every process's argv unless the operator puts it there, and then is warned.</summary>
public sealed class MySqlSecretTests : IDisposable
{
    private const string Password = "s3cret-pw-7f2a";

    // Nothing listens on port 1: the pool-fit check reports the server unreachable, naming it with the password masked.
    private const string ConnectionString = $"Server=127.0.0.1;Port=1;User ID=app;Password={Password};Database=comments";

    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-secret-").FullName;

    [Fact]
    public async Task With_mysql_file_no_argv_holds_the_password_and_the_supervisor_uses_the_file()
    {
        string file = Path.Combine(_directory, "mysql");
        await File.WriteAllTextAsync(file, ConnectionString + "\n");

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "2", "--bind", "127.0.0.1:0", "--mysql-file", file);
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent unreachable = Assert.Single(forkhost.EventsWithId(EventIds.PoolFitUnreachable));
        Assert.Equal("Server=127.0.0.1;Port=1;User ID=app;Password=***;Database=comments", unreachable.String("ConnectionString"));
        IReadOnlyList<int> workers = forkhost.WorkerPids();
        Assert.Equal(2, workers.Count);
        foreach (int pid in workers.Append(forkhost.Pid))
        {
            Assert.DoesNotContain(Password, ProcessTable.CommandLine(pid));
            Assert.DoesNotContain(Password, await File.ReadAllTextAsync($"/proc/{pid}/environ"));
        }
        Assert.Empty(forkhost.EventsWithId(EventIds.MySqlOnCommandLine));
        Assert.DoesNotContain(Password, forkhost.Stdout + forkhost.Stderr);
    }

    [Fact]
    public async Task A_password_in_mysql_on_the_command_line_is_warned_about_once_without_echoing_it()
    {
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0", "--mysql", ConnectionString);
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent warning = Assert.Single(forkhost.EventsWithId(EventIds.MySqlOnCommandLine));
        Assert.Equal("Warning", warning.Level);
        Assert.Contains("--mysql-file", warning.Template);
        Assert.DoesNotContain(Password, forkhost.Stdout + forkhost.Stderr);
    }

    [Fact]
    public async Task The_systemd_credential_is_the_connection_string_when_no_option_names_one()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, MySqlConnectionStringSource.CredentialName), ConnectionString);

        await using var forkhost = ForkHostProcess.Start(["run", "--app", RepositoryPaths.HelloApp, "--workers", "1", "--bind", "127.0.0.1:0"],
            new Dictionary<string, string> { ["CREDENTIALS_DIRECTORY"] = _directory });
        await forkhost.WaitForAllReadyAsync();

        SupervisorLogEvent unreachable = Assert.Single(forkhost.EventsWithId(EventIds.PoolFitUnreachable));
        Assert.Contains("Port=1", unreachable.String("ConnectionString"));
    }

    [Fact]
    public async Task An_unreadable_mysql_file_is_one_line_and_exit_code_2()
    {
        string missing = Path.Combine(_directory, "missing");
        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, "--mysql-file", missing);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: --mysql-file: cannot read {missing}: ", line);
    }

    [Fact]
    public void The_command_line_wins_over_the_environment_whichever_form_each_uses()
    {
        string file = Path.Combine(_directory, "mysql");
        File.WriteAllText(file, "Server=from-file\r\n");
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new("ForkHost:MySql", "Server=from-environment")]);
        configuration.AddInMemoryCollection([new("ForkHost:MySqlFile", file)]);

        Assert.Equal("Server=from-file", MySqlConnectionStringSource.Resolve(configuration, credentialsDirectory: _directory));

        configuration.AddInMemoryCollection([new("ForkHost:MySql", "Server=from-command-line")]);
        Assert.Equal("Server=from-command-line", MySqlConnectionStringSource.Resolve(configuration, credentialsDirectory: _directory));
    }

    [Theory]
    [InlineData("Server=db;Password=x", true)]
    [InlineData("Server=db;pwd=x", true)]
    [InlineData("Server=db;User ID=app", false)]
    public void A_password_is_recognised_under_each_of_its_names(string connectionString, bool expected) =>
        Assert.Equal(expected, MySqlConnectionStringSource.CarriesPassword(connectionString));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
