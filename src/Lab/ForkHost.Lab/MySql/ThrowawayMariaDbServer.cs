using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ForkHost.Supervisor.Processes;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace ForkHost.Lab.MySql;

/// <summary>
/// A MariaDB (or MySQL) server of its own in a temporary directory, on a free loopback port: initialised, started,
/// stopped and deleted by this process. It is started through <c>setpriv --pdeathsig KILL</c> from the
/// <see cref="SpawnThread"/>, so it dies with this process even when this process is killed.
/// </summary>
internal static partial class ThrowawayMariaDbServer
{
    private static readonly string[] SearchDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin", "/usr/bin", "/usr/local/bin"];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The server binary, or null: mariadbd or mysqld on PATH or in the usual sbin directories.</summary>
    public static string? FindServer() => Find("mariadbd") ?? Find("mysqld");

    public static async Task<MySqlServer> StartAsync(ThrowawayServerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        string server = FindServer() ?? throw new MySqlServerUnavailableException(
            "No MySQL server: pass --mysql 'Server=…;User ID=…;Password=…;Database=…' or set FORKHOST_MYSQL, start Docker, or install MariaDB (apt-get install mariadb-server).");
        bool isMariaDb = Path.GetFileName(server) == "mariadbd" || Find("mariadb-install-db") is not null;
        var watch = Stopwatch.StartNew();
        RemoveAbandonedDirectories();
        DirectoryInfo directory = Directory.CreateTempSubdirectory(DirectoryPrefix);
        try
        {
            string dataDirectory = Path.Combine(directory.FullName, "data");
            // A private tmpdir: installs running side by side (parallel test runs) collide in a shared /tmp.
            Directory.CreateDirectory(Path.Combine(directory.FullName, "tmp"));
            await InitializeAsync(server, isMariaDb, dataDirectory, directory.FullName, cancellationToken);

            for (int attempt = 1; ; attempt++)
            {
                int port = FreeLoopbackPort();
                Process process = await StartServerAsync(server, dataDirectory, directory.FullName, port, options);
                try
                {
                    await WaitUntilAnsweringAsync(process, port, directory.FullName, cancellationToken);
                }
                catch (MySqlServerUnavailableException) when (attempt < 3 && ErrorLog(directory.FullName).Contains("Address already in use", StringComparison.Ordinal))
                {
                    // Another process took the port between our probe and the server's bind: try another.
                    continue;
                }
                catch
                {
                    await StopAsync(process);
                    throw;
                }

                string version = await CreateDatabaseAsync(port, cancellationToken);
                LogStarted(logger, version, port, watch.Elapsed.TotalMilliseconds);
                string path = directory.FullName;
                return new MySqlServer(
                    MySqlServerKind.Throwaway,
                    ConnectionString(port, "forkhost"),
                    "127.0.0.1",
                    port,
                    $"throwaway {(isMariaDb ? "MariaDB" : "MySQL")} {version} on 127.0.0.1:{port} (data in {path}, deleted on exit)",
                    async () =>
                    {
                        await StopAsync(process);
                        DeleteDirectory(path);
                    },
                    process.Id);
            }
        }
        catch
        {
            DeleteDirectory(directory.FullName);
            throw;
        }
    }

    private static async Task InitializeAsync(string server, bool isMariaDb, string dataDirectory, string directory, CancellationToken cancellationToken)
    {
        ProcessStartInfo startInfo;
        if (isMariaDb && Find("mariadb-install-db") is { } installDb)
        {
            startInfo = new ProcessStartInfo(installDb);
            foreach (string argument in (string[])["--no-defaults", $"--datadir={dataDirectory}", $"--tmpdir={Path.Combine(directory, "tmp")}", "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"])
                startInfo.ArgumentList.Add(argument);
        }
        else
        {
            // MySQL 5.7+: the server initialises its own data directory, with a password-less root.
            startInfo = new ProcessStartInfo(server);
            foreach (string argument in (string[])["--no-defaults", "--initialize-insecure", $"--datadir={dataDirectory}"])
                startInfo.ArgumentList.Add(argument);
        }
        if (IsRoot)
            startInfo.ArgumentList.Add("--user=root");
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;

        using Process process = Process.Start(startInfo)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new MySqlServerUnavailableException($"Initialising a throwaway MySQL data directory with {startInfo.FileName} took over 60 s.");
        }
        if (process.ExitCode != 0)
            throw new MySqlServerUnavailableException($"{startInfo.FileName} failed (exit {process.ExitCode}): {Tail(await output + await errors)}");
    }

    private static Task<Process> StartServerAsync(string server, string dataDirectory, string directory, int port, ThrowawayServerOptions options)
    {
        string? setpriv = Find("setpriv");
        var startInfo = new ProcessStartInfo(setpriv ?? server) { UseShellExecute = false, RedirectStandardInput = false };
        if (setpriv is not null)
        {
            foreach (string argument in (string[])["--pdeathsig", "KILL", "--", server])
                startInfo.ArgumentList.Add(argument);
        }
        foreach (string argument in (string[])[
            "--no-defaults", $"--datadir={dataDirectory}", $"--port={port}", "--bind-address=127.0.0.1",
            $"--socket={Path.Combine(directory, "mysqld.sock")}", $"--pid-file={Path.Combine(directory, "mysqld.pid")}",
            $"--log-error={Path.Combine(directory, "error.log")}", $"--tmpdir={Path.Combine(directory, "tmp")}", "--skip-log-bin", "--skip-name-resolve",
            "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=2", "--max-connections=500",
            // Below the hard limit, so the server does not warn on the caller's stderr that it cannot raise it.
            "--open-files-limit=4096"])
            startInfo.ArgumentList.Add(argument);
        foreach (string argument in options.ServerArguments())
            startInfo.ArgumentList.Add(argument);
        if (IsRoot)
            startInfo.ArgumentList.Add("--user=root");
        return SpawnThread.Instance.StartAsync(startInfo);
    }

    private static async Task WaitUntilAnsweringAsync(Process process, int port, string directory, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string connectionString = ConnectionString(port, database: null) + ";Pooling=false;Connection Timeout=2";
        while (true)
        {
            if (process.HasExited)
                throw new MySqlServerUnavailableException($"The throwaway MySQL server exited (code {process.ExitCode}) while starting: {Tail(ErrorLog(directory))}");
            try
            {
                await using var connection = new MySqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (MySqlException) when (watch.Elapsed < StartTimeout)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (MySqlException e)
            {
                throw new MySqlServerUnavailableException($"The throwaway MySQL server did not answer within {StartTimeout.TotalSeconds} s ({e.Message}): {Tail(ErrorLog(directory))}");
            }
        }
    }

    private static async Task<string> CreateDatabaseAsync(int port, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ConnectionString(port, database: null) + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var create = new MySqlCommand("CREATE DATABASE IF NOT EXISTS forkhost", connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        // MariaDB announces itself as "5.5.5-10.11.x" for old clients; the prefix means nothing here.
        return connection.ServerVersion.Replace("5.5.5-", "", StringComparison.Ordinal);
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            // setpriv execs the server, so the pid is the server's own.
            _ = Interop.Libc.Kill(process.Id, Interop.Signals.SIGTERM);
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                _ = Interop.Libc.Kill(process.Id, Interop.Signals.SIGKILL);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
    }

    private static string ConnectionString(int port, string? database) =>
        $"Server=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};User ID=root;Password=" + (database is null ? "" : $";Database={database}");

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string ErrorLog(string directory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, "error.log"));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string Tail(string text) => text.Length > 1500 ? "…" + text[^1500..].Trim() : text.Trim();

    private static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private const string DirectoryPrefix = "forkhost-mysql-";

    /// <summary>
    /// A starter killed with SIGKILL takes its server down (pdeathsig) but cannot delete the directory: the next start
    /// removes directories whose server is gone, and ones that never got a server, once they are a few minutes old.
    /// </summary>
    private static void RemoveAbandonedDirectories()
    {
        foreach (string path in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            string pidFile = Path.Combine(path, "mysqld.pid");
            bool abandoned = File.Exists(pidFile)
                ? int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid)
                : Directory.GetLastWriteTimeUtc(path) < DateTime.UtcNow.AddMinutes(-5);
            if (abandoned)
                DeleteDirectory(path);
        }
    }

    /// <summary>A killed server re-parented to a pid 1 that does not reap lingers as a zombie: that is not running.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string? Find(string name)
    {
        IEnumerable<string> path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(SearchDirectories).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Started a throwaway MySQL server {Version} on 127.0.0.1:{Port} in {Milliseconds:0} ms")]
    private static partial void LogStarted(ILogger logger, string version, int port, double milliseconds);
}
