using System.Runtime.InteropServices;

namespace ForkHost.Supervisor.Arbitration;

/// <summary>
/// The supervisor's signal handlers: each only cancels the default action (the loop decides what a signal means)
/// and enqueues it for the <see cref="Arbiter"/>. Kept apart from the arbiter so that in-process tests drive it
/// with <see cref="Arbiter.Signal"/> and no real signal.
/// </summary>
internal sealed class SignalForwarding : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations;

    private SignalForwarding(List<PosixSignalRegistration> registrations) => _registrations = registrations;

    public static SignalForwarding To(Arbiter arbiter) =>
        new(Arbiter.HandledSignals.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            arbiter.Signal(context.Signal);
        })).ToList());

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
            registration.Dispose();
    }
}
