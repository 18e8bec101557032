namespace ForkHost.Worker;

/// <summary>
/// --user/--group: the worker gives up root after it has received its sockets (bound by the supervisor, possibly on a
/// privileged port) and before any app code runs. Order matters: supplementary groups and the group first, while
/// still root; the user last.
/// </summary>
internal static class PrivilegeDrop
{
    public static unsafe void Apply(uint userId, uint groupId)
    {
        uint group = groupId;
        Check(Interop.Libc.SetGroups(1, &group), "setgroups");
        Check(Interop.Libc.SetGroupId(groupId), "setgid");
        Check(Interop.Libc.SetUserId(userId), "setuid");
        if (Interop.Libc.GetUserId() != userId)
            throw new InvalidOperationException($"setuid({userId}) returned success but the worker still runs as uid {Interop.Libc.GetUserId()}.");
    }

    private static void Check(int result, string call) => Channel.FileDescriptors.ThrowIfFailed(result, call);
}
