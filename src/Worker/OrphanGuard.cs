namespace ForkHost.Worker;

/// <summary>
/// Makes sure a worker never outlives its supervisor. The kernel sends SIGTERM when the supervisor's spawning thread
/// ends (PR_SET_PDEATHSIG; the supervisor spawns from one long-lived thread for that reason); the channel's end of
/// stream is the second, race-free signal, handled by <see cref="SupervisorLink"/>.
/// </summary>
internal static class OrphanGuard
{
    /// <returns>False when the supervisor is already gone (the worker was re-parented before the guard was armed).</returns>
    public static bool Arm(int supervisorPid)
    {
        if (Interop.Libc.Prctl(Interop.Libc.PR_SET_PDEATHSIG, Interop.Signals.SIGTERM, 0, 0, 0) != 0)
            return false;
        // The supervisor may have died between our fork and the prctl; then nothing would ever signal us.
        return Interop.Libc.GetParentPid() == supervisorPid;
    }
}
