namespace ForkHost.Supervisor.Resources;

/// <summary>
/// Whether this process runs in a container, and what says so: /.dockerenv (Docker), /run/.containerenv (Podman),
/// the "container" environment variable (systemd-nspawn, LXC, Podman), or a cgroup path naming a container
/// runtime (docker, kubepods, containerd, libpod, lxc). A cgroup namespace hides the last: "0::/" is also what a
/// namespaced container sees, so the files and the variable come first.
/// </summary>
internal static class ContainerDetection
{
    private static readonly string[] RuntimeHints = ["docker", "kubepods", "containerd", "libpod", "lxc", "crio"];

    /// <returns>What gave the container away ("/.dockerenv"), or null outside one.</returns>
    public static string? Detect(string root, Func<string, string?> environment)
    {
        foreach (string marker in new[] { "/.dockerenv", "/run/.containerenv" })
        {
            if (File.Exists(Path.Combine(root, marker.TrimStart('/'))))
                return marker;
        }
        if (environment("container") is { Length: > 0 } container)
            return $"container={container}";
        try
        {
            foreach (string line in File.ReadLines(Path.Combine(root, "proc/self/cgroup")))
            {
                string path = line.Split(':', 3).ElementAtOrDefault(2) ?? "";
                if (RuntimeHints.Any(hint => path.Contains(hint, StringComparison.Ordinal)))
                    return $"cgroup {path}";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
