using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Workers;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// The fork-safety audit's second half: what in the app's services keeps state per worker (trap 3), as the first
/// worker of each generation found it before it served. Every worker of a generation runs the same code with the same
/// configuration, so one report stands for all: logged once per generation, not once per worker or per recycle.
/// </summary>
internal sealed partial class Arbiter
{
    private readonly HashSet<int> _stateAudited = [];

    private void OnStateFindings(WorkerHandle worker, StateFindingsMessage report)
    {
        if (_stateAudited.Add(worker.Generation))
        {
            if (report.Findings.Count == 0)
                LogStateClean(_logger, worker.Generation);
            else
            {
                LogStateAudit(_logger, report.Findings.Count == 1 ? "1 finding" : $"{report.Findings.Count} findings", worker.Generation, _wantedWorkers);
                foreach (PerProcessStateFinding finding in report.Findings)
                    LogStateFinding(_logger, finding.Kind.ToString(), finding.Describe(_wantedWorkers));
            }
        }
        if (!report.Refused || SettingsOf(worker).ForkSafety != ForkSafetyMode.Strict || _shutdown is not null)
            return;

        List<PerProcessStateFinding> losing = report.Findings.Where(f => f.LosesData).ToList();
        string reason = $"--fork-safety strict: refusing to start: {string.Join("; ", losing.Select(f => f.Describe(_wantedWorkers)))}. No request was served.";
        // The worker waits, neither ready nor serving; stopping it now means it is not reaped as a boot failure.
        if (_reloading is not null && worker.Generation == _current.Number)
            AbandonReload(reason);
        else
            Halt(ExitCodes.ForkSafetyRefused, reason);
    }

    [LoggerMessage(EventId = Logging.EventIds.StateAudit, Level = LogLevel.Information,
        Message = "Fork-safety audit (0 findings): nothing in the app's services keeps state per worker (generation {Generation})")]
    private static partial void LogStateClean(ILogger logger, int generation);

    [LoggerMessage(EventId = Logging.EventIds.StateAudit, Level = LogLevel.Warning,
        Message = "Fork-safety audit ({Findings}): the app's services keep state per worker process (generation {Generation}, {Workers} workers):")]
    private static partial void LogStateAudit(ILogger logger, string findings, int generation, int workers);

    [LoggerMessage(EventId = Logging.EventIds.StateFinding, Level = LogLevel.Warning,
        Message = "Fork-safety audit, {Kind}: {Finding}")]
    private static partial void LogStateFinding(ILogger logger, string kind, string finding);
}
