internal static partial class Interop
{
    /// <summary>errno values, Linux's (x86-64 and arm64 agree on all of them), as Marshal.GetLastPInvokeError returns them.</summary>
    internal static class Errors
    {
        internal const int ENOENT = 2;
        internal const int ESRCH = 3;
        internal const int EINTR = 4;
        internal const int EBADF = 9;
        internal const int EAGAIN = 11;
        /// <summary>Linux's EWOULDBLOCK is EAGAIN: what a non-blocking flock returns when another holds the lock.</summary>
        internal const int EWOULDBLOCK = EAGAIN;
        internal const int EACCES = 13;
        internal const int ENFILE = 23;
        internal const int EMFILE = 24;
        internal const int EPIPE = 32;
        internal const int EADDRINUSE = 98;
        internal const int EADDRNOTAVAIL = 99;
        internal const int ECONNRESET = 104;
        internal const int ENOTCONN = 107;
        internal const int ETIMEDOUT = 110;
    }
}
