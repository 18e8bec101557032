using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Packaging;

/// <summary>
/// artifacts/packages, as <c>./dev pack</c> leaves it (and <c>./dev test</c> runs it first): one version of each
/// package, the version this build carries.
/// </summary>
internal static partial class PackageFolder
{
    public const string Contract = "ForkHost.Abstractions";
    public const string Tool = "forkhost";
    public const string Hosting = "ForkHost.Hosting";
    public const string Templates = "ForkHost.Templates";

    public static string Directory { get; } = Path.Combine(RepositoryPaths.Root, "artifacts", "packages");

    /// <summary>The version every package has: the one forkhost prints, from VersionPrefix in Directory.Build.props.</summary>
    public static string Version => Supervisor.ThisAssembly.Version;

    /// <summary>The path of <paramref name="id"/>'s .nupkg; fails, saying what to run, when it is missing or stale.</summary>
    public static string Package(string id)
    {
        string[] found = System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.GetFiles(Directory, "*.nupkg").Where(path => IsPackageOf(Path.GetFileName(path), id)).ToArray()
            : [];
        Assert.True(found.Length > 0, $"No {id} package in {Directory}: run ./dev pack first (./dev test does).");
        Assert.True(found.Length == 1, $"Several {id} packages in {Directory} ({string.Join(", ", found.Select(Path.GetFileName))}): run ./dev pack, which empties the folder first.");
        string expected = $"{id}.{Version}.nupkg";
        Assert.True(Path.GetFileName(found[0]) == expected, $"{Path.GetFileName(found[0])} is not this build's version ({expected}): run ./dev pack again.");
        return found[0];
    }

    public static IReadOnlyList<string> Entries(string id)
    {
        using ZipArchive package = ZipFile.OpenRead(Package(id));
        return package.Entries.Select(entry => entry.FullName).ToList();
    }

    public static string ReadEntry(string id, string entryName)
    {
        using ZipArchive package = ZipFile.OpenRead(Package(id));
        ZipArchiveEntry entry = package.GetEntry(entryName) ?? throw new InvalidOperationException($"{id}'s package has no {entryName}.");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    public static XDocument Nuspec(string id) => XDocument.Parse(ReadEntry(id, $"{id}.nuspec"));

    // The id is followed by a version, which starts with a digit: forkhost.0.9.0, not ForkHost.Abstractions.0.9.0 (the
    // match is case-sensitive, as NuGet writes the file names from the ids).
    private static bool IsPackageOf(string fileName, string id) =>
        fileName.StartsWith(id + ".", StringComparison.Ordinal) && VersionSuffix().IsMatch(fileName[(id.Length + 1)..]);

    [GeneratedRegex(@"^\d+\.\d+\.\d+[^/]*\.nupkg$")]
    private static partial Regex VersionSuffix();
}
