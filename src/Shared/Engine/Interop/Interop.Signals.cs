internal static partial class Interop
{
    /// <summary>
    /// Signal numbers, Linux's (x86-64 and arm64 agree on all of them). For <see cref="Libc.Kill"/>, and cast to
    /// PosixSignal for PosixSignalRegistration, whose own enum has negative placeholders, not these numbers.
    /// </summary>
    internal static class Signals
    {
        internal const int SIGHUP = 1;
        internal const int SIGINT = 2;
        internal const int SIGQUIT = 3;
        internal const int SIGILL = 4;
        internal const int SIGTRAP = 5;
        internal const int SIGABRT = 6;
        internal const int SIGBUS = 7;
        internal const int SIGFPE = 8;
        internal const int SIGKILL = 9;
        internal const int SIGSEGV = 11;
        internal const int SIGUSR1 = 10;
        internal const int SIGUSR2 = 12;
        internal const int SIGTERM = 15;
        internal const int SIGCONT = 18;
        internal const int SIGSTOP = 19;
        internal const int SIGTTIN = 21;
        internal const int SIGTTOU = 22;
        internal const int SIGSYS = 31;
    }
}
