using System.Globalization;
using System.Runtime.InteropServices;

namespace ForkHost.Supervisor.Configuration;

/// <summary>The user and group workers run as (--user, --group), resolved through NSS like any Unix tool does.</summary>
internal sealed record WorkerIdentity(uint UserId, uint GroupId)
{
    private static readonly Lock NssLock = new();

    /// <returns>Null when neither option is set: workers keep the supervisor's identity.</returns>
    public static WorkerIdentity? Resolve(string? user, string? group)
    {
        if (string.IsNullOrWhiteSpace(user) && string.IsNullOrWhiteSpace(group))
            return null;
        if (Interop.Libc.GetUserId() != 0)
            throw new UsageException($"--user/--group need the supervisor to run as root (it runs as uid {Interop.Libc.GetUserId()}); start it as root, or drop the options.");

        uint userId = 0, groupId = 0;
        if (!string.IsNullOrWhiteSpace(user))
            (userId, groupId) = LookUpUser(user);
        if (!string.IsNullOrWhiteSpace(group))
            groupId = LookUpGroup(group);
        return new WorkerIdentity(userId, groupId);
    }

    private static (uint UserId, uint PrimaryGroupId) LookUpUser(string user)
    {
        lock (NssLock)
        {
            nint entry = uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric) ? 0 : Interop.Libc.GetPasswordEntry(user);
            if (entry != 0)
                return ((uint)Marshal.ReadInt32(entry, Interop.Libc.PasswordEntryUserIdOffset), (uint)Marshal.ReadInt32(entry, Interop.Libc.PasswordEntryGroupIdOffset));
            if (uint.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out numeric))
                return (numeric, numeric);
        }
        throw new UsageException($"--user '{user}': no such user (give a name from /etc/passwd or a numeric uid).");
    }

    private static uint LookUpGroup(string group)
    {
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric))
            return numeric;
        lock (NssLock)
        {
            nint entry = Interop.Libc.GetGroupEntry(group);
            if (entry != 0)
                return (uint)Marshal.ReadInt32(entry, Interop.Libc.GroupEntryGroupIdOffset);
        }
        throw new UsageException($"--group '{group}': no such group (give a name from /etc/group or a numeric gid).");
    }
}
