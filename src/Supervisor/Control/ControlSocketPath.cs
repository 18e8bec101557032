using System.Globalization;
using System.Runtime.InteropServices;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Control;

/// <summary>
/// Where the control socket is when --control-socket is not given. <c>forkhost status</c> must find it without being
/// told the supervisor's pid, so each default is either derivable from what the user has (the pid file) or findable
/// by listing a directory only this user can write to.
/// <list type="number">
/// <item>--pid-file given: the pid file's path with the extension .sock (/run/app/forkhost.pid → /run/app/forkhost.sock),
/// so two supervisors sharing a directory do not collide;</item>
/// <item>under systemd with RuntimeDirectory=: $RUNTIME_DIRECTORY/forkhost.sock (the directory is the service's own);</item>
/// <item>$XDG_RUNTIME_DIR/forkhost-PID.sock (a per-user 0700 directory);</item>
/// <item>otherwise $TMPDIR (or /tmp)/forkhost-UID/forkhost-PID.sock, in a directory created with mode 0700 and refused
/// if it exists with another owner or a wider mode, since anyone can create names in /tmp.</item>
/// </list>
/// </summary>
internal static class ControlSocketPath
{
    public const string Extension = ".sock";
    public const string RuntimeDirectoryFileName = "forkhost.sock";
    private const string PidSocketPrefix = "forkhost-";

    /// <summary>sun_path is 108 bytes including the terminating NUL.</summary>
    public const int MaxPathBytes = 107;

    /// <summary>The path <c>forkhost run</c> listens on; creates the private temporary directory if it falls back to it.</summary>
    public static string ForRun(string? configured, string? pidFile, int pid)
    {
        if (configured is not null)
            return configured;
        if (pidFile is not null)
            return NextToPidFile(pidFile);
        if (InSystemdRuntimeDirectory() is { } systemd)
            return systemd;
        string name = PidSocketPrefix + pid.ToString(CultureInfo.InvariantCulture) + Extension;
        if (XdgRuntimeDirectory() is { } xdg)
            return Path.Combine(xdg, name);
        string directory = PrivateTemporaryDirectory();
        EnsurePrivateDirectory(directory);
        return Path.Combine(directory, name);
    }

    public static string NextToPidFile(string pidFile)
    {
        string full = Path.GetFullPath(pidFile);
        string socket = Path.ChangeExtension(full, Extension);
        return socket == full ? full + Extension : socket;
    }

    /// <summary>
    /// For <c>forkhost status</c> without options: the sockets in the default places whose supervisor is alive (the pid
    /// in the name still exists), so a file left by a killed supervisor does not make the choice ambiguous.
    /// </summary>
    public static IReadOnlyList<string> Discover()
    {
        var found = new List<string>();
        if (InSystemdRuntimeDirectory() is { } systemd && Path.Exists(systemd))
            found.Add(systemd);
        foreach (string directory in new[] { XdgRuntimeDirectory(), PrivateTemporaryDirectory() }.OfType<string>().Distinct())
        {
            if (!Directory.Exists(directory))
                continue;
            foreach (string entry in Directory.EnumerateFileSystemEntries(directory, PidSocketPrefix + "*" + Extension))
            {
                string pid = Path.GetFileNameWithoutExtension(entry)[PidSocketPrefix.Length..];
                if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out _) && Directory.Exists($"/proc/{pid}"))
                    found.Add(entry);
            }
        }
        return found;
    }

    /// <summary>The places <see cref="Discover"/> looks, for its error message.</summary>
    public static string DescribeDefaultPlaces() => string.Join(", ", new[]
    {
        InSystemdRuntimeDirectory(),
        XdgRuntimeDirectory() is { } xdg ? Path.Combine(xdg, PidSocketPrefix + "PID" + Extension) : null,
        Path.Combine(PrivateTemporaryDirectory(), PidSocketPrefix + "PID" + Extension),
    }.OfType<string>());

    private static string? InSystemdRuntimeDirectory() =>
        Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } directories
            ? Path.Combine(directories.Split(':')[0], RuntimeDirectoryFileName)
            : null;

    private static string? XdgRuntimeDirectory() =>
        Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } directory && Path.IsPathFullyQualified(directory)
            ? directory
            : null;

    private static string PrivateTemporaryDirectory() =>
        Path.Combine(Path.GetTempPath(), "forkhost-" + Interop.Libc.GetEffectiveUserId().ToString(CultureInfo.InvariantCulture));

    private static unsafe void EnsurePrivateDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--control-socket: cannot create {directory}: {e.Message}; pass --control-socket PATH.");
        }

        // CreateDirectory does nothing to an existing directory (or a symlink to one), which someone else may own.
        byte* statx = stackalloc byte[Interop.Libc.StatxSize];
        if (Interop.Libc.Statx(Interop.Libc.AT_FDCWD, directory, Interop.Libc.AT_SYMLINK_NOFOLLOW,
                Interop.Libc.STATX_TYPE | Interop.Libc.STATX_MODE | Interop.Libc.STATX_UID, statx) != 0)
            throw new UsageException($"--control-socket: cannot inspect {directory} (errno {Marshal.GetLastPInvokeError()}); pass --control-socket PATH.");
        uint owner = *(uint*)(statx + Interop.Libc.StatxUidOffset);
        int mode = *(ushort*)(statx + Interop.Libc.StatxModeOffset);
        uint self = Interop.Libc.GetEffectiveUserId();
        if ((mode & Interop.Libc.S_IFMT) != Interop.Libc.S_IFDIR || owner != self || (mode & 0b000_111_111) != 0)
            throw new UsageException(
                $"--control-socket: {directory} must be a directory owned by uid {self} with mode 700, and is not (owner {owner}, mode {Convert.ToString(mode & 0xFFF, 8)}); remove it or pass --control-socket PATH.");
    }
}
