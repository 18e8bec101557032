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

        internal const int SIGKILL = 9;
        internal const int SIGTERM = 15;
        internal const int SIGCONT = 18;

        internal const short POLLIN = 0x1;
        internal const short POLLOUT = 0x4;
        internal const short POLLERR = 0x8;
        internal const short POLLHUP = 0x10;
        internal const short POLLNVAL = 0x20;

        internal const int EINTR = 4;
        internal const int ESRCH = 3;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        internal const int EPIPE = 32;
        internal const int ECONNRESET = 104;
        internal const int ENOTCONN = 107;
        internal const int ETIMEDOUT = 110;
    }
}
