namespace ForkHost.Supervisor.Configuration;

/// <summary>
/// Settings fixed for the supervisor's life: what it binds, where it answers, how it logs and whom workers run as.
/// A reload (SIGHUP) keeps these as they were and names any that changed: they take a restart, or an upgrade (USR2).
/// Produced only by <see cref="RunSettingsLoader"/>, after validation.
/// </summary>
internal sealed record ProcessSettings(
    IReadOnlyList<string> Binds,
    BalanceMode Balance,
    int Backlog,
    UnixFileMode UnixSocketMode,
    string? PidFile,
    string? ControlSocket,
    string LogFormat,
    WorkerIdentity? WorkerIdentity,
    string? User,
    string? Group,
    WorkerDiagnosticsMode WorkerDiagnostics,
    string? MetricsBind,
    string? StateDir)
{
    /// <summary>The settings that differ from <paramref name="running"/>, by option name, as "--backlog 512 → 1024".</summary>
    public IReadOnlyList<string> ChangesFrom(ProcessSettings running)
    {
        var changes = new List<string>();
        void Compare(string option, string was, string now)
        {
            if (was != now)
                changes.Add($"{option} {was} → {now}");
        }
        Compare("--bind", string.Join(",", running.Binds), string.Join(",", Binds));
        Compare("--balance", running.Balance.ToString().ToLowerInvariant(), Balance.ToString().ToLowerInvariant());
        Compare("--backlog", running.Backlog.ToString(System.Globalization.CultureInfo.InvariantCulture), Backlog.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Compare("--unix-socket-mode", Convert.ToString((int)running.UnixSocketMode, 8), Convert.ToString((int)UnixSocketMode, 8));
        Compare("--pid-file", running.PidFile ?? "(none)", PidFile ?? "(none)");
        Compare("--control-socket", running.ControlSocket ?? "(default)", ControlSocket ?? "(default)");
        Compare("--log-format", running.LogFormat, LogFormat);
        Compare("--user", running.User ?? "(none)", User ?? "(none)");
        Compare("--group", running.Group ?? "(none)", Group ?? "(none)");
        Compare("--state-dir", running.StateDir ?? "(default)", StateDir ?? "(default)");
        Compare("--metrics-bind", running.MetricsBind ?? "(none)", MetricsBind ?? "(none)");
        Compare("--worker-diagnostics", running.WorkerDiagnostics.ToString().ToLowerInvariant(), WorkerDiagnostics.ToString().ToLowerInvariant());
        return changes;
    }
}
