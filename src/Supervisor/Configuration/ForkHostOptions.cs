namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Every setting of <c>forkhost run</c>, with its command-line name, help and default in one place. Each is read from
/// the "ForkHost" section of the configuration: appsettings.json (or --config FILE), then FORKHOST_* environment
/// variables (FORKHOST_WORKERS=4, FORKHOST_BIND__0=...), then the command line (--workers 4), later sources winning.
/// Defaults are those of an experienced gunicorn user. This is the binding object only: <see cref="RunSettingsLoader"/>
/// validates it (<see cref="ForkHostOptionsValidator"/>) and splits it into <see cref="ProcessSettings"/> and
/// <see cref="GenerationSettings"/>, which are what the rest of ForkHost reads. The order here is --help's order.
/// </summary>
internal sealed class ForkHostOptions
{
    public const string SectionName = "ForkHost";
    public const string DefaultBind = "127.0.0.1:8000";

    [CommandLine("app", "PATH[:TYPE]", "The app assembly, and the type implementing IForkHostApp if it has several. Required.")]
    public string? App { get; set; }

    [CommandLine("workers", "N", "Number of worker processes. Default: number of CPUs.")]
    public int Workers { get; set; } = Environment.ProcessorCount;

    [CommandLine("bind", "ADDRESS", "HOST:PORT, [IPv6]:PORT or unix:/path, plain HTTP; https://HOST:PORT or https://unix:/path for TLS (with --certfile); options after ?, as ?protocols=http2 (h2c on a cleartext bind). Repeatable. Port 0 picks a free port. Default 127.0.0.1:8000.")]
    public List<string> Bind { get; set; } = [];

    [CommandLine("balance", "shared|reuseport|dispatch", "shared: one listening socket all workers accept on; reuseport: one SO_REUSEPORT socket per worker slot (the kernel spreads by hash); dispatch: the supervisor accepts and hands connections to the workers in turn (even keep-alive spread). Default shared.")]
    public BalanceMode Balance { get; set; } = BalanceMode.Shared;

    [CommandLine("backlog", "N", "Listen backlog (supervisor and workers alike). Default 512, Kestrel's.")]
    public int Backlog { get; set; } = 512;

    [CommandLine("unix-socket-mode", "OCTAL", "Permissions of unix: socket files. Default 660.")]
    public string UnixSocketMode { get; set; } = "660";

    [CommandLine("certfile", "PATH", "The TLS certificate for https:// binds, PEM, the certificate then its intermediates (certbot's fullchain.pem); read by the supervisor at start and on HUP. Default: Kestrel:Certificates:Default:Path from the configuration, else none.")]
    public string? CertFile { get; set; }

    [CommandLine("keyfile", "PATH", "The certificate's private key, PEM (certbot's privkey.pem); read by the supervisor, never by workers. Default: in the --certfile file.")]
    public string? KeyFile { get; set; }

    [CommandLine("timeout", "SECONDS", "Kill and replace a worker silent for this long (no heartbeat). Default 30.")]
    public double Timeout { get; set; } = 30;

    [CommandLine("boot-timeout", "SECONDS", "Kill a worker not ready after this long (a boot failure). Default 60.")]
    public double BootTimeout { get; set; } = 60;

    [CommandLine("graceful-timeout", "SECONDS", "Time in-flight requests get on a graceful stop, before workers are killed. Default 30.")]
    public double GracefulTimeout { get; set; } = 30;

    [CommandLine("shutdown-delay", "SECONDS", "On SIGTERM, answer 503 on /readyz at once but keep serving normally this long before the drain, so load balancers take this supervisor out first (SIGINT/SIGQUIT skip it; a second SIGTERM ends it). Default 0.")]
    public double ShutdownDelay { get; set; }

    [CommandLine("max-boot-failures", "N", "Halt (exit 3) after this many boot failures in a row, the app's own (kills from outside do not count). Default 5.")]
    public int MaxBootFailures { get; set; } = 5;

    [CommandLine("max-requests", "N", "Replace a worker after N requests, one worker at a time (0: never). Default 0.")]
    public int MaxRequests { get; set; }

    [CommandLine("max-requests-jitter", "N", "Add up to N requests to each worker's limit so they do not recycle together. Default 0.")]
    public int MaxRequestsJitter { get; set; }

    [CommandLine("max-worker-memory", "MIB", "Recycle a worker whose RSS exceeds this many MiB, gracefully, like uWSGI's reload-on-rss (0: never). Default 0.")]
    public int MaxWorkerMemory { get; set; }

    [CommandLine("worker-heap-limit", "auto|off|SIZE", "Each worker's GC heap hard limit (DOTNET_GCHeapHardLimit). auto: under a cgroup memory limit (a container's), the limit less the supervisor's and the workers' non-heap memory, shared by --workers; without one, none. off: the runtime's default, 75 % of the whole limit in every worker, which N workers overcommit. SIZE: this much each, as 256M or 1G. An operator's own DOTNET_GCHeapHardLimit* variable wins. Default auto.")]
    public string WorkerHeapLimit { get; set; } = "auto";

    [CommandLine("limit-request-line", "BYTES", "Largest request line (method, target, version) a worker accepts; longer: 414. Kestrel's MaxRequestLineSize. Default: Kestrel's (8192), or the app's Kestrel:Limits.")]
    public int? LimitRequestLine { get; set; }

    [CommandLine("limit-request-fields", "N", "Most header fields a request may have; more: 431. Kestrel's MaxRequestHeaderCount. Default: Kestrel's (100), or the app's Kestrel:Limits.")]
    public int? LimitRequestFields { get; set; }

    [CommandLine("limit-request-field-size", "BYTES", "Largest one header field (name and value) may be; larger: 431. Checked by the worker before the app (Kestrel limits only the total, MaxRequestHeadersTotalSize, which is raised to at least this). Default: none beyond Kestrel's total (32768).")]
    public int? LimitRequestFieldSize { get; set; }

    [CommandLine("limit-request-body", "BYTES", "Largest request body; larger: 413 (0: no limit). Kestrel's MaxRequestBodySize. Default: Kestrel's (30000000), or the app's Kestrel:Limits.")]
    public long? LimitRequestBody { get; set; }

    [CommandLine("keep-alive", "SECONDS", "How long an idle keep-alive connection is kept open. Kestrel's KeepAliveTimeout. Default: Kestrel's (130), or the app's Kestrel:Limits.")]
    public double? KeepAlive { get; set; }

    [CommandLine("worker-connections", "N", "Most connections one worker holds at once; Kestrel closes those past it. Kestrel's MaxConcurrentConnections. Default: no limit, or the app's Kestrel:Limits.")]
    public long? WorkerConnections { get; set; }

    [CommandLine("request-timeout", "SECONDS", "Cancel a request's RequestAborted after this long, through ASP.NET Core's request-timeouts middleware (the default policy; the app's [RequestTimeout] and [DisableRequestTimeout] on an endpoint win); 504 if nothing was sent yet. Default none.")]
    public double? RequestTimeout { get; set; }

    [CommandLine("request-hard-timeout", "SECONDS", "A worker with a request in flight longer than this is replaced gracefully (a new worker first, then it drains within --graceful-timeout); the request and the worker's thread stacks are logged. Never killed for it. Default none.")]
    public double? RequestHardTimeout { get; set; }

    [CommandLine("dump-dir", "PATH", "With --request-hard-timeout: write a dump (with heap) of a worker with a stuck request into this directory, for dotnet-dump analyze. Needs --worker-diagnostics on. Default none.")]
    public string? DumpDir { get; set; }

    [CommandLine("log-format", "text|json", "Human-readable text or compact JSON lines (one event per line). Default text.")]
    public string LogFormat { get; set; } = "text";

    [CommandLine("access-log", "[=true|false]", "Log every request (method, path without query string, status, duration) with the worker that served it. Default false.")]
    public bool AccessLog { get; set; }

    [CommandLine("user", "NAME|UID", "Run workers as this user (the supervisor must be root; it binds first). Default: the supervisor's.")]
    public string? User { get; set; }

    [CommandLine("group", "NAME|GID", "Run workers in this group. Default: the --user's primary group.")]
    public string? Group { get; set; }

    [CommandLine("worker-diagnostics", "on|off", "Workers open the .NET diagnostics socket in $TMPDIR (dotnet-counters, dotnet-trace), removed when a worker is reaped; off: DOTNET_EnableDiagnostics_IPC=0. Default on.")]
    public WorkerDiagnosticsMode WorkerDiagnostics { get; set; } = WorkerDiagnosticsMode.On;

    [CommandLine("state-dir", "PATH", "Where ForkHost keeps what every worker shares and a restart keeps: the Data Protection key ring (data-protection-keys/), so that a cookie or antiforgery token one worker issues the others accept. Created mode 700, owned by --user. Default $STATE_DIRECTORY (systemd's StateDirectory=), then $XDG_STATE_HOME/forkhost, then ~/.local/state/forkhost; with none usable, a warning and per-worker keys.")]
    public string? StateDir { get; set; }

    [CommandLine("pid-file", "PATH", "Write the supervisor's pid here; removed on exit. Default none.")]
    public string? PidFile { get; set; }

    [CommandLine("control-socket", "PATH", "Unix socket (mode 600) for 'forkhost status'. Default: the pid file's path ending in .sock, else in $RUNTIME_DIRECTORY, $XDG_RUNTIME_DIR or /tmp/forkhost-UID.")]
    public string? ControlSocket { get; set; }

    [CommandLine("metrics-bind", "HOST:PORT", "The supervisor's own HTTP listener, never a worker's: GET /livez, /readyz and /metrics, for probes, load balancers and scrapers. HOST:PORT or [IPv6]:PORT, not a --bind address. Default none.")]
    public string? MetricsBind { get; set; }

    [CommandLine("ready-workers", "N", "GET /readyz answers 200 while at least N workers are ready (at most --workers). Default: every wanted worker.")]
    public int? ReadyWorkers { get; set; }

    [CommandLine("replicas", "N", "How many supervisors of this app share the MySQL server (pods, hosts): the pool-fit check counts replicas × workers × MaximumPoolSize, plus each supervisor's own session, against max_connections. Default 1.")]
    public int Replicas { get; set; } = 1;

    [CommandLine("forwarded-allow-ips", "ADDRESSES", "Peers whose X-Forwarded-For, -Proto and -Host headers are trusted (gunicorn's option): comma-separated addresses and CIDR ranges, or * for any. Default 127.0.0.1,::1.")]
    public string ForwardedAllowIps { get; set; } = "127.0.0.1,::1";

    [CommandLine("inherit", "listeners|fork", "Handles workers receive: listening sockets only, or every socket as fork(2) would. Default listeners.")]
    public InheritMode Inherit { get; set; } = InheritMode.Listeners;

    [CommandLine("dispose-before-spawn", "[=true|false]", "Clear MySqlConnector pools and run the before-spawn hook before each spawn. Default true.")]
    public bool DisposeBeforeSpawn { get; set; } = true;

    [CommandLine("fork-safety", "off|warn|strict", "Audit of connections workers would share; strict refuses to spawn. Default warn.")]
    public ForkSafetyMode ForkSafety { get; set; } = ForkSafetyMode.Warn;

    /// <remarks>When neither this nor <see cref="MySqlFile"/> is set: the systemd credential "mysql" (<see cref="MySqlConnectionStringSource"/>).</remarks>
    [CommandLine("mysql", "CONNECTION-STRING", "The app's MySQL server, so the audit can name its connections (or FORKHOST_MYSQL). On the command line a password is visible to every local user: prefer --mysql-file.")]
    public string? MySql { get; set; }

    [CommandLine("mysql-file", "PATH", "A file holding the MySQL connection string (trailing newline ignored). Default: $CREDENTIALS_DIRECTORY/mysql if systemd loaded that credential.")]
    public string? MySqlFile { get; set; }
}
