namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Every setting of <c>forkhost run</c>. Each is read from the "ForkHost" section of the configuration: appsettings.json
/// (or --config FILE), then FORKHOST_* environment variables (FORKHOST_WORKERS=4, FORKHOST_BIND__0=...), then the
/// command line (--workers 4), later sources winning. Defaults are those of an experienced gunicorn user.
/// This is the binding object only: <see cref="RunSettingsLoader"/> validates it and splits it into
/// <see cref="ProcessSettings"/> and <see cref="GenerationSettings"/>, which are what the rest of ForkHost reads.
/// </summary>
internal sealed class ForkHostOptions
{
    public const string SectionName = "ForkHost";
    public const string DefaultBind = "127.0.0.1:8000";

    /// <summary>The app: <c>path/to/App.dll[:Namespace.Type]</c>. Required.</summary>
    public string? App { get; set; }

    /// <summary>Number of worker processes. Default: the number of CPUs.</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Addresses to listen on: <c>HOST:PORT</c>, <c>[IPv6]:PORT</c> or <c>unix:/path</c>. Default: 127.0.0.1:8000.</summary>
    public List<string> Bind { get; set; } = [];

    /// <summary>How connections are spread over workers: shared (one socket per address), reuseport (one per worker slot) or dispatch (the supervisor accepts and deals connections out in turn). Default shared.</summary>
    public BalanceMode Balance { get; set; } = BalanceMode.Shared;

    /// <summary>Listen backlog, applied by the supervisor and by each worker's Kestrel alike. Default 512 (Kestrel's).</summary>
    public int Backlog { get; set; } = 512;

    /// <summary>Permissions of unix: socket files, in octal. Default 660.</summary>
    public string UnixSocketMode { get; set; } = "660";

    /// <summary>Seconds without a heartbeat after which a worker is killed and replaced. Default 30.</summary>
    public double Timeout { get; set; } = 30;

    /// <summary>Seconds a worker may take to become ready before it is killed. Default 60.</summary>
    public double BootTimeout { get; set; } = 60;

    /// <summary>Seconds in-flight requests may take to finish on a graceful stop, before workers are killed. Default 30.</summary>
    public double GracefulTimeout { get; set; } = 30;

    /// <summary>Consecutive worker boot failures after which the supervisor halts (exit 3). Default 5.</summary>
    public int MaxBootFailures { get; set; } = 5;

    /// <summary>Requests after which a worker is replaced (0: never). Workers recycle one at a time. Default 0.</summary>
    public int MaxRequests { get; set; }

    /// <summary>Up to this many extra requests, drawn per worker, so workers do not all recycle together. Default 0.</summary>
    public int MaxRequestsJitter { get; set; }

    /// <summary>Resident memory in MiB above which a worker is recycled gracefully, like uWSGI's reload-on-rss (0: never). Default 0.</summary>
    public int MaxWorkerMemory { get; set; }

    /// <summary>"text" (human-readable) or "json" (compact JSON, one event per line). Default text.</summary>
    public string LogFormat { get; set; } = "text";

    /// <summary>Log every request from the worker that served it (path without query string, which may carry secrets). Default false.</summary>
    public bool AccessLog { get; set; }

    /// <summary>User (name or uid) workers run as; needs a root supervisor. Default: the supervisor's.</summary>
    public string? User { get; set; }

    /// <summary>Group (name or gid) workers run as; default: the --user's primary group.</summary>
    public string? Group { get; set; }

    /// <summary>File to write the supervisor's pid to, removed on exit. Default none.</summary>
    public string? PidFile { get; set; }

    /// <summary>
    /// Unix socket for <c>forkhost status</c>, mode 0600. Default: the pid file's path ending in .sock, else
    /// $RUNTIME_DIRECTORY/forkhost.sock, else $XDG_RUNTIME_DIR/forkhost-PID.sock, else /tmp/forkhost-UID/forkhost-PID.sock.
    /// </summary>
    public string? ControlSocket { get; set; }

    /// <summary>
    /// Whether workers open the .NET diagnostics IPC socket in $TMPDIR (dotnet-counters, dotnet-trace, dotnet-dump): on
    /// (default) or off. A socket a worker leaves behind (killed, or --user) is removed when it is reaped. Needs a restart.
    /// </summary>
    public WorkerDiagnosticsMode WorkerDiagnostics { get; set; } = WorkerDiagnosticsMode.On;

    /// <summary>Which handles workers receive: listeners (default) or fork (everything, as fork(2) would).</summary>
    public InheritMode Inherit { get; set; } = InheritMode.Listeners;

    /// <summary>Clear MySqlConnector's pools and run the before-spawn hook before each spawn. Default true.</summary>
    public bool DisposeBeforeSpawn { get; set; } = true;

    /// <summary>What the fork-safety audit does about connections workers would share: off, warn (default), strict.</summary>
    public ForkSafetyMode ForkSafety { get; set; } = ForkSafetyMode.Warn;

    /// <summary>
    /// MySQL connection string of the app's database, so the audit can name its connections. Default none; when
    /// neither this nor <see cref="MySqlFile"/> is set, the systemd credential "mysql" (see MySqlConnectionStringSource).
    /// </summary>
    public string? MySql { get; set; }

    /// <summary>A file holding <see cref="MySql"/> (trailing newline ignored), which keeps the password out of argv. Default none.</summary>
    public string? MySqlFile { get; set; }
}
