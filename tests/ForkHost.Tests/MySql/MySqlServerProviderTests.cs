using System.Diagnostics;
using System.Text.Json;
using ForkHost.Lab.MySql;
using ForkHost.Tests.Infrastructure;
using MySqlConnector;

namespace ForkHost.Tests.MySql;

/// <summary>The one provider of MySQL servers, through <c>forkhost mysql-server</c> as scripts use it: real processes.</summary>
public sealed class MySqlServerProviderTests
{
    [Fact]
    public async Task A_throwaway_server_answers_takes_server_options_and_is_deleted_on_sigterm()
    {
        Skip.IfGiven();
        using var command = MySqlServerCommandProcess.Start("--wait-timeout", "7");
        ServerLine server = await command.ReadServerLineAsync();
        Assert.Equal("throwaway", server.Kind);
        Assert.Equal("127.0.0.1", server.Host);

        await using (var connection = new MySqlConnection(server.ConnectionString + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var query = new MySqlCommand("SELECT @@wait_timeout, DATABASE()", connection);
            await using var reader = await query.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(7, reader.GetInt32(0));
            Assert.Equal("forkhost", reader.GetString(1));
        }
        string dataDirectory = DataDirectoryOf(server.Pid!.Value);
        Assert.True(Directory.Exists(dataDirectory));

        Assert.Equal(0, Interop.Libc.Kill(command.Process.Id, Interop.Libc.SIGTERM));
        await command.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, command.Process.ExitCode);
        Assert.False(ProcessTable.IsAlive(server.Pid.Value));
        Assert.False(Directory.Exists(Path.GetDirectoryName(dataDirectory)));
    }

    [Fact]
    public async Task A_throwaway_server_dies_with_the_process_that_started_it()
    {
        Skip.IfGiven();
        using var command = MySqlServerCommandProcess.Start();
        ServerLine server = await command.ReadServerLineAsync();
        Assert.True(ProcessTable.IsAlive(server.Pid!.Value));

        string directory = Path.GetDirectoryName(DataDirectoryOf(server.Pid.Value))!;

        Assert.Equal(0, Interop.Libc.Kill(command.Process.Id, Interop.Libc.SIGKILL));
        await Eventually.HoldsAsync(() => !ProcessTable.IsAlive(server.Pid.Value), TimeSpan.FromSeconds(5), "mariadbd died with its parent");

        // The killed starter could not delete its directory; the next start does.
        Assert.True(Directory.Exists(directory));
        using var next = MySqlServerCommandProcess.Start();
        await next.ReadServerLineAsync();
        Assert.False(Directory.Exists(directory));
        Assert.Equal(0, Interop.Libc.Kill(next.Process.Id, Interop.Libc.SIGTERM));
        await next.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_bad_argument_is_one_line_and_exit_code_2()
    {
        using var command = MySqlServerCommandProcess.Start("--wait-timeout", "soon");
        string stderr = await command.Process.StandardError.ReadToEndAsync();
        await command.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, command.Process.ExitCode);
        Assert.Equal("forkhost: mysql-server: --wait-timeout must be a whole number above 0 (got 'soon').", stderr.Trim());
    }

    [Fact]
    public async Task A_given_server_that_does_not_answer_is_named_without_its_password()
    {
        var error = await Assert.ThrowsAsync<MySqlServerUnavailableException>(() => MySqlServerProvider.StartOrFindAsync(
            "Server=127.0.0.1;Port=1;User ID=app;Password=hunter2;Connection Timeout=2", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None));
        Assert.Contains("The MySQL server from --mysql does not answer", error.Message);
        Assert.Contains("Password=***", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    /// <summary>mariadbd's --datadir, from its command line.</summary>
    private static string DataDirectoryOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').Single(a => a.StartsWith("--datadir=", StringComparison.Ordinal))["--datadir=".Length..];

    private sealed record ServerLine(string ConnectionString, string Kind, string Host, int Port, int? Pid);

    private sealed class MySqlServerCommandProcess : IDisposable
    {
        private MySqlServerCommandProcess(Process process) => Process = process;

        public Process Process { get; }

        public static MySqlServerCommandProcess Start(params string[] args)
        {
            var startInfo = new ProcessStartInfo(RepositoryPaths.SupervisorWithLab) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            startInfo.ArgumentList.Add("mysql-server");
            foreach (string arg in args)
                startInfo.ArgumentList.Add(arg);
            startInfo.Environment.Remove("FORKHOST_MYSQL");
            return new MySqlServerCommandProcess(Process.Start(startInfo)!);
        }

        public async Task<ServerLine> ReadServerLineAsync()
        {
            string? line = await Process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
                Assert.Fail($"no JSON line; stderr: {await Process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5))}");
            return JsonSerializer.Deserialize<ServerLine>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    private static class Skip
    {
        /// <summary>These tests are about the throwaway server; with FORKHOST_MYSQL set the command uses that server instead.</summary>
        public static void IfGiven()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("FORKHOST_MYSQL")))
                Assert.Fail("Unset FORKHOST_MYSQL: these tests start throwaway servers of their own.");
        }
    }
}
