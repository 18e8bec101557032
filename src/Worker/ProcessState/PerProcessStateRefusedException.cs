using ForkHost.Channel;

namespace ForkHost.Worker.ProcessState;

/// <summary>
/// --fork-safety strict found state that loses data (a hosted service in every worker, a key ring in memory): the
/// worker stops before the app's hosted services start and before Kestrel listens, having told the supervisor,
/// which refuses to start (exit 5). Not a boot failure: the app works, it is not fit for N processes.
/// </summary>
internal sealed class PerProcessStateRefusedException(IReadOnlyList<PerProcessStateFinding> findings)
    : Exception($"--fork-safety strict: not serving: {string.Join("; ", findings.Where(f => f.LosesData).Select(f => f.Service))}")
{
    public IReadOnlyList<PerProcessStateFinding> Findings { get; } = findings;
}
