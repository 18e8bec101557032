namespace ForkHost.Supervisor.Metrics;

/// <summary>
/// What <c>/metrics</c> shows, as the arbiter loop published it after its last turn: immutable, so the HTTP thread
/// reads it without a lock and never sees half an update (a reaped worker both live and retained, say).
/// </summary>
/// <param name="Workers">Live worker processes, in slot order.</param>
/// <param name="WorkersByState">Live workers per state label: booting, ready, stopping.</param>
/// <param name="ExitsByReason">Reaped workers per <see cref="WorkerExitReason"/>, every reason present.</param>
/// <param name="ReloadsByResult">SIGHUP reloads per result: completed, refused, abandoned.</param>
/// <param name="UpgradesByResult">SIGUSR2 upgrades per result: handed_over, failed.</param>
/// <param name="ListeningSockets">The TCP listening sockets, read at scrape time for their backlog.</param>
internal sealed record FleetMetricsSnapshot(
    HttpServerTotals Http,
    IReadOnlyList<WorkerResources> Workers,
    IReadOnlyList<KeyValuePair<string, long>> WorkersByState,
    IReadOnlyList<KeyValuePair<string, long>> ExitsByReason,
    IReadOnlyList<KeyValuePair<string, long>> ReloadsByResult,
    IReadOnlyList<KeyValuePair<string, long>> UpgradesByResult,
    IReadOnlyList<ListeningSocket> ListeningSockets);
