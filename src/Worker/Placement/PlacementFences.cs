using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ForkHost.Channel;

namespace ForkHost.Worker.Placement;

/// <summary>Which fence a worker uses: the state directory's lock file when the supervisor has one, else an abstract socket.</summary>
internal static class PlacementFences
{
    public static IPlacementFence For(WorkerConfiguration configuration)
    {
        // Keyed by the app's type and assembly name, not its path: a deploy to a new release directory followed by an
        // upgrade (SIGUSR2) must still meet the previous supervisor's lock.
        string app = $"{Path.GetFileNameWithoutExtension(configuration.AppPath)}:{configuration.AppTypeName}";
        if (configuration.KeyRingDirectory is { } keyRing && Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(keyRing)) is { Length: > 0 } stateDirectory)
            return new FlockFence(Path.Combine(stateDirectory, $"placement-{FileNameOf(app)}.lock"));
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(app)))[..24];
        return new AbstractSocketFence(string.Create(CultureInfo.InvariantCulture, $"forkhost-placement-{Interop.Libc.GetUserId()}-{key}"));
    }

    private static string FileNameOf(string app)
    {
        var name = new StringBuilder(app.Length);
        foreach (char c in app)
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return name.ToString();
    }
}
