using System.Runtime.InteropServices;
using ForkHost.Logging;
using ForkHost.Supervisor.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ForkHost.Supervisor.State;

/// <summary>
/// The one Data Protection key ring every worker of this supervisor uses, in <c>data-protection-keys/</c> under the
/// state directory: made before any app code runs, owned by the workers' user, and given its first key here, so that
/// N workers starting at once do not each create one of their own.
/// </summary>
/// <remarks>
/// The keys are stored as Data Protection writes them on Linux: unencrypted, protected by the directory's mode 700.
/// An app that wants them encrypted at rest, or kept elsewhere (several hosts need one ring), configures Data
/// Protection itself, and its configuration wins in every worker.
/// </remarks>
internal static partial class SharedKeyRing
{
    public const string DirectoryName = "data-protection-keys";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Default key lifetime, as Data Protection's own (90 days); workers roll keys over themselves.</summary>
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    /// <returns>The key ring's directory, or null (with a warning) when no usable state directory exists.</returns>
    /// <exception cref="UsageException">--state-dir names a directory that cannot be used.</exception>
    public static string? Prepare(StateDirectoryLocation? location, WorkerIdentity? workers, ILogger logger)
    {
        if (location is null)
        {
            LogUnavailable(logger, "no --state-dir, and none of $STATE_DIRECTORY, $XDG_STATE_HOME and $HOME is set");
            return null;
        }
        string keys = Path.Combine(location.Path, DirectoryName);
        try
        {
            CreateOwned(location.Path, workers, created: out _);
            CreateOwned(keys, workers, created: out _);
            // Whatever mode an existing keys directory had, it holds secrets.
            File.SetUnixFileMode(keys, OwnerOnly);
            CheckUsableBy(keys, workers);
            EnsureActiveKey(keys);
            if (workers is not null)
                ChownEntries(keys, workers);
        }
        catch (StateDirectoryException e) when (location.Explicit)
        {
            throw new UsageException($"--state-dir '{location.Path}': {e.Message}.");
        }
        catch (StateDirectoryException e)
        {
            LogUnavailable(logger, $"{location.Path} (from {location.Source}): {e.Message}");
            return null;
        }
        LogReady(logger, keys, location.Source);
        return keys;
    }

    private static void CreateOwned(string path, WorkerIdentity? workers, out bool created)
    {
        created = !Directory.Exists(path);
        if (File.Exists(path))
            throw new StateDirectoryException($"{path} is a file; give a directory");
        try
        {
            if (created)
                Directory.CreateDirectory(path, OwnerOnly);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateDirectoryException($"cannot create {path} ({e.Message}); choose a directory this user may write to, or create it for them");
        }
        if (workers is not null && Interop.Libc.GetEffectiveUserId() == 0)
        {
            // systemd's StateDirectory= with DynamicUser= is a symlink into /var/lib/private: own the target.
            string target = new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            if (Interop.Libc.LChown(target, workers.UserId, workers.GroupId) != 0)
                throw new StateDirectoryException($"cannot give {target} to uid {workers.UserId} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
    }

    /// <summary>The workers' user must reach the directory through every parent and write in it.</summary>
    private static unsafe void CheckUsableBy(string keys, WorkerIdentity? workers)
    {
        if (workers is null || workers.UserId == 0)
        {
            if (Interop.Libc.AccessAt(Interop.Libc.AT_FDCWD, keys, Interop.Libc.W_OK | Interop.Libc.X_OK, Interop.Libc.AT_EACCESS) != 0)
                throw new StateDirectoryException($"cannot write in {keys} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); choose a directory this user may write to");
            return;
        }
        for (DirectoryInfo? directory = new DirectoryInfo(keys).Parent; directory is not null; directory = directory.Parent)
        {
            (uint owner, uint group, int mode) = Inspect(directory.FullName);
            int needed = owner == workers.UserId ? 0b001_000_000 : group == workers.GroupId ? 0b000_001_000 : 0b000_000_001;
            if ((mode & needed) == 0)
            {
                throw new StateDirectoryException(
                    $"the workers' user (uid {workers.UserId}) cannot reach it: {directory.FullName} is mode {Convert.ToString(mode & 0xFFF, 8)}, owned by uid {owner}; choose a state directory outside it, such as /var/lib/forkhost");
            }
        }
    }

    private static unsafe (uint Owner, uint Group, int Mode) Inspect(string path)
    {
        byte* statx = stackalloc byte[Interop.Libc.StatxSize];
        if (Interop.Libc.Statx(Interop.Libc.AT_FDCWD, path, 0, Interop.Libc.STATX_MODE | Interop.Libc.STATX_UID | Interop.Libc.STATX_GID, statx) != 0)
            throw new StateDirectoryException($"cannot inspect {path} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        return (*(uint*)(statx + Interop.Libc.StatxUidOffset), *(uint*)(statx + Interop.Libc.StatxGidOffset), *(ushort*)(statx + Interop.Libc.StatxModeOffset));
    }

    /// <summary>Creates the first key (or a new one, when every key is expired or about to be) through Data Protection itself.</summary>
    private static void EnsureActiveKey(string keys)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys));
        try
        {
            using ServiceProvider provider = services.BuildServiceProvider();
            var manager = provider.GetRequiredService<IKeyManager>();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            // Two days: Data Protection's own margin for rolling over to a key created ahead of time.
            bool active = manager.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2));
            if (!active)
                manager.CreateNewKey(now, now + KeyLifetime);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.XmlException or InvalidOperationException)
        {
            throw new StateDirectoryException($"cannot read or write the key ring in {keys} ({e.Message})");
        }
    }

    private static void ChownEntries(string keys, WorkerIdentity workers)
    {
        if (Interop.Libc.GetEffectiveUserId() != 0)
            return;
        foreach (string entry in Directory.EnumerateFileSystemEntries(keys))
        {
            if (Interop.Libc.LChown(entry, workers.UserId, workers.GroupId) != 0)
                throw new StateDirectoryException($"cannot give {entry} to uid {workers.UserId} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
    }

    [LoggerMessage(EventId = EventIds.KeyRingReady, Level = LogLevel.Information,
        Message = "Data Protection key ring: {Directory} (from {Source}), shared by every worker and kept across restarts")]
    private static partial void LogReady(ILogger logger, string directory, string source);

    [LoggerMessage(EventId = EventIds.KeyRingUnavailable, Level = LogLevel.Warning,
        Message = "No shared Data Protection key ring: {Reason}. Each worker keeps its own keys in memory, so a cookie or antiforgery token one worker issues is rejected by the others and by their replacements; give --state-dir (under systemd, StateDirectory=forkhost)")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
