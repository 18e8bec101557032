using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ForkHost.Worker.Placement;

/// <summary>
/// flock(LOCK_EX) on a file in the supervisor's state directory. Every supervisor of the app that uses that directory
/// (an upgrade's successor too) meets the same file, so their workers exclude each other; the lock belongs to the open
/// file, so it is gone the moment the holder closes it or dies, SIGKILL included, and there is nothing to clean up.
/// </summary>
internal sealed class FlockFence(string path) : IPlacementFence
{
    private const int OwnerReadWrite = 0b110_000_000;

    public string Path { get; } = path;

    public string Description => $"flock on {Path}";

    public IDisposable? TryAcquire()
    {
        int fd = Interop.Libc.Open(Path, Interop.Libc.OpenFlags.O_RDWR | Interop.Libc.OpenFlags.O_CREAT | Interop.Libc.OpenFlags.O_CLOEXEC | Interop.Libc.OpenFlags.O_NOFOLLOW, OwnerReadWrite);
        if (fd < 0)
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"cannot open the placement lock {Path}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        while (true)
        {
            if (Interop.Libc.Flock(handle, Interop.Libc.FlockOperations.LOCK_EX | Interop.Libc.FlockOperations.LOCK_NB) == 0)
                return handle;
            int error = Marshal.GetLastPInvokeError();
            if (error == Interop.Errors.EINTR)
                continue;
            handle.Dispose();
            if (error == Interop.Errors.EWOULDBLOCK)
                return null;
            throw new Win32Exception(error, $"flock on the placement lock {Path} failed");
        }
    }
}
