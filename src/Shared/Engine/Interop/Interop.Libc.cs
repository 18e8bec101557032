// Constants for the libc calls in this folder. Values are Linux's (x86-64 and arm64 agree on all of them).
internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const string LibraryName = "libc";

        internal const int AF_UNIX = 1;
        internal const int SOCK_SEQPACKET = 5;
        internal const int SOCK_CLOEXEC = 0x80000;

        internal const int SOL_SOCKET = 1;
        internal const int SCM_RIGHTS = 1;

        internal const int MSG_TRUNC = 0x20;
        internal const int MSG_CTRUNC = 0x8;
        internal const int MSG_NOSIGNAL = 0x4000;
        internal const int MSG_DONTWAIT = 0x40;
        internal const int MSG_CMSG_CLOEXEC = 0x40000000;

        internal const int SHUT_RDWR = 2;

        internal const int F_GETFD = 1;
        internal const int F_SETFD = 2;
        internal const int FD_CLOEXEC = 1;
        internal const int F_DUPFD_CLOEXEC = 1030;

        internal const int PR_SET_PDEATHSIG = 1;
        internal const int PR_SET_NAME = 15;

        // Kept for the callers that use them under these names; new code uses Interop.Signals.
        internal const int SIGKILL = Signals.SIGKILL;
        internal const int SIGTERM = Signals.SIGTERM;
        internal const int SIGCONT = Signals.SIGCONT;

        internal const short POLLIN = 0x1;
        internal const short POLLOUT = 0x4;
        internal const short POLLERR = 0x8;
        internal const short POLLHUP = 0x10;
        internal const short POLLNVAL = 0x20;

        // Kept for the callers that use them under these names; new code uses Interop.Errors.
        internal const int EINTR = Errors.EINTR;
        internal const int ESRCH = Errors.ESRCH;
        internal const int EBADF = Errors.EBADF;
        internal const int EAGAIN = Errors.EAGAIN;
        internal const int EPIPE = Errors.EPIPE;
        internal const int ECONNRESET = Errors.ECONNRESET;
        internal const int ENOTCONN = Errors.ENOTCONN;
        internal const int ETIMEDOUT = Errors.ETIMEDOUT;
    }
}
