namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// Copies of build output that other users can read: tests that run ForkHost as another user must not depend on the
/// permissions of the directory the repository was cloned into (mktemp -d makes it 0700).
/// </summary>
internal static class WorldReadable
{
    public static string Copy(string source, string name)
    {
        string target = Path.Combine(Path.GetTempPath(), $"forkhost-user-test-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        foreach (string directory in Directory.EnumerateDirectories(target, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));
        return target;
    }
}
