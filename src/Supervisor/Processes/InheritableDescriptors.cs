using ForkHost.Channel;

namespace ForkHost.Supervisor.Processes;

/// <summary>
/// Clears close-on-exec on some descriptors for the moment of one spawn on the <see cref="SpawnThread"/> (which
/// serializes spawns, so no other child can inherit them), and sets it again afterwards.
/// </summary>
internal sealed class InheritableDescriptors : IDisposable
{
    private readonly IReadOnlyList<int> _fds;

    public InheritableDescriptors(IReadOnlyList<int> fds)
    {
        _fds = fds;
        foreach (int fd in fds)
            FileDescriptors.SetCloseOnExec(fd, false);
    }

    public void Dispose()
    {
        foreach (int fd in _fds)
            FileDescriptors.SetCloseOnExec(fd, true);
    }
}
