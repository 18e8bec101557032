using System.ComponentModel;

namespace ForkHost.Channel;

/// <summary>Small, checked wrappers over the descriptor calls the channel and the spawner need.</summary>
internal static class FileDescriptors
{
    public static void SetCloseOnExec(int fd, bool closeOnExec)
    {
        int flags = Interop.Libc.Fcntl(fd, Interop.Libc.F_GETFD, 0);
        ThrowIfFailed(flags, "fcntl(F_GETFD)");
        int wanted = closeOnExec ? flags | Interop.Libc.FD_CLOEXEC : flags & ~Interop.Libc.FD_CLOEXEC;
        ThrowIfFailed(Interop.Libc.Fcntl(fd, Interop.Libc.F_SETFD, wanted), "fcntl(F_SETFD)");
    }

    public static bool IsCloseOnExec(int fd)
    {
        int flags = Interop.Libc.Fcntl(fd, Interop.Libc.F_GETFD, 0);
        ThrowIfFailed(flags, "fcntl(F_GETFD)");
        return (flags & Interop.Libc.FD_CLOEXEC) != 0;
    }

    /// <summary>dup(2) with close-on-exec set atomically, so a concurrent spawn never inherits the copy.</summary>
    public static int DuplicateCloseOnExec(int fd)
    {
        int copy = Interop.Libc.Fcntl(fd, Interop.Libc.F_DUPFD_CLOEXEC, 0);
        ThrowIfFailed(copy, "fcntl(F_DUPFD_CLOEXEC)");
        return copy;
    }

    public static void Close(int fd)
    {
        // close(2) must not be retried on EINTR on Linux: the descriptor is already released.
        _ = Interop.Libc.Close(fd);
    }

    public static void CloseAll(IEnumerable<int> fds)
    {
        foreach (int fd in fds)
            Close(fd);
    }

    internal static void ThrowIfFailed(long result, string call)
    {
        if (result < 0)
        {
            int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"{call} failed: {new Win32Exception(errno).Message} (errno {errno})");
        }
    }
}
