namespace ForkHost.Channel;

/// <summary>What a worker needs to know to boot, sent in <see cref="HelloMessage"/>.</summary>
/// <param name="AppPath">Full path of the app assembly.</param>
/// <param name="AppTypeName">Full name of the type implementing <see cref="IForkHostApp"/>.</param>
/// <param name="Backlog">The listen backlog; Kestrel calls listen() again with it, so it must equal the supervisor's.</param>
/// <param name="HeartbeatIntervalMilliseconds">How often the worker reports that it is alive.</param>
/// <param name="GracefulTimeoutMilliseconds">How long a graceful stop may take when no deadline comes with it.</param>
/// <param name="LogFormat">"text" or "json".</param>
/// <param name="Settings">The supervisor's configuration, flattened, so the app sees in the worker what it saw at load.</param>
/// <param name="LoadedProperties">Values the app's load step chose to hand to every worker.</param>
/// <param name="RecycleAfterRequests">This worker's --max-requests limit (jitter included), 0 for none: on reaching it the
/// worker heartbeats at once, so the supervisor can recycle it without waiting for the next beat.</param>
/// <param name="RunAsUserId">--user: the uid the worker switches to before loading the app (with <paramref name="RunAsGroupId"/>).</param>
/// <param name="AccessLog">Log every request (method, path without query string, status, duration).</param>
/// <param name="ReportMetrics">--metrics-bind is set: record ASP.NET Core's HTTP metrics and send them in
/// <see cref="MetricsMessage"/>s. Off, the framework's instruments have no listener and record nothing.</param>
/// <param name="KeyRingDirectory">Where every worker of this supervisor keeps ASP.NET Core's Data Protection keys
/// (under --state-dir), so that a cookie or token one worker protects every other one accepts; null when the supervisor
/// found no usable state directory, and then each worker's keys live in its memory only.</param>
/// <param name="Certificate">The generation's certificate for its https:// listeners (--certfile/--keyfile or
/// Kestrel:Certificates:Default); null when none is configured.</param>
/// <param name="ForwardedAllowIps">--forwarded-allow-ips: peers whose X-Forwarded-* headers are honoured; null: loopback only.</param>
/// <param name="Limits">--limit-request-*, --keep-alive, --worker-connections and --request-timeout, each null when not
/// given (Kestrel's own value, or the app's Kestrel:Limits, then applies).</param>
/// <param name="AuditState">--fork-safety warn or strict: look for per-process state in the app's services and report it
/// (<see cref="StateFindingsMessage"/>) before Ready.</param>
/// <param name="RefuseLosingState">--fork-safety strict: on a finding that loses data, do not start the app's hosted
/// services nor serve; report and wait to be stopped.</param>
internal sealed record WorkerConfiguration(
    string AppPath,
    string AppTypeName,
    int Backlog,
    int HeartbeatIntervalMilliseconds,
    int GracefulTimeoutMilliseconds,
    string LogFormat,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, string> LoadedProperties,
    long RecycleAfterRequests = 0,
    bool AccessLog = false,
    uint? RunAsUserId = null,
    uint? RunAsGroupId = null,
    bool ReportMetrics = false,
    string? KeyRingDirectory = null,
    IReadOnlyList<string>? ForwardedAllowIps = null,
    RequestLimits? Limits = null,
    TlsCertificate? Certificate = null,
    bool AuditState = false,
    bool RefuseLosingState = false);
