using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using ForkHost.Apps;
using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Supervision;

/// <summary>An app built against a contract this forkhost does not carry is refused at start, with what to do.</summary>
public sealed class ContractVersionTests : IDisposable
{
    private readonly string _copy = Directory.CreateTempSubdirectory("forkhost-contract-test-").FullName;

    public void Dispose() => Directory.Delete(_copy, recursive: true);

    [Theory]
    [InlineData("1.2.0", "1.2.0", true)]
    [InlineData("1.0.0", "1.2.0", true)]
    [InlineData("1.3.0", "1.2.0", false)]
    [InlineData("2.0.0", "1.2.0", false)]
    [InlineData("0.9.0", "1.0.0", false)]
    [InlineData("0.9.1", "0.9.3", true)]
    [InlineData("0.8.0", "0.9.0", false)]
    public void Compatible_means_the_same_major_before_1_0_the_same_minor_and_never_newer(string builtAgainst, string carried, bool compatible) =>
        Assert.Equal(compatible, AppContract.IsCompatible(Version.Parse(builtAgainst), Version.Parse(carried)));

    [Fact]
    public async Task An_app_built_against_a_newer_contract_exits_2_with_one_line_naming_both_versions_and_spawns_nothing()
    {
        string app = CopyTestAppsReferencing(new Version(99, 0, 0, 0));

        await using var forkhost = ForkHostProcess.Run($"{app}:ForkHost.TestApps.KeyRingApp", "--bind", "127.0.0.1:0");

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"forkhost: --app: '{app}' was built against ForkHost.Abstractions 99.0.0, and this forkhost serves apps built against ", line);
        Assert.Contains("update forkhost (dotnet tool update --global forkhost) or build the app against ForkHost.Abstractions", line);
        Assert.Empty(forkhost.EventsWithId(EventIds.WorkerSpawned));
    }

    /// <summary>The test apps' build, copied, with its reference to the contract rewritten to another version, as a build against that version would have it.</summary>
    private string CopyTestAppsReferencing(Version version)
    {
        string source = Path.GetDirectoryName(RepositoryPaths.TestApps)!;
        foreach (string file in Directory.GetFiles(source))
            File.Copy(file, Path.Combine(_copy, Path.GetFileName(file)));
        string app = Path.Combine(_copy, Path.GetFileName(RepositoryPaths.TestApps));

        byte[] image = File.ReadAllBytes(app);
        using (var pe = new PEReader(new MemoryStream(image)))
        {
            MetadataReader metadata = pe.GetMetadataReader();
            AssemblyReferenceHandle contract = metadata.AssemblyReferences
                .Single(h => metadata.GetString(metadata.GetAssemblyReference(h).Name) == "ForkHost.Abstractions");
            // An AssemblyRef row starts with MajorVersion, MinorVersion, BuildNumber, RevisionNumber (ECMA-335 II.22.5).
            int row = pe.PEHeaders.MetadataStartOffset + metadata.GetTableMetadataOffset(TableIndex.AssemblyRef)
                + (MetadataTokens.GetRowNumber(contract) - 1) * metadata.GetTableRowSize(TableIndex.AssemblyRef);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(row), (ushort)version.Major);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(row + 2), (ushort)version.Minor);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(row + 4), (ushort)version.Build);
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(row + 6), (ushort)version.Revision);
        }
        File.WriteAllBytes(app, image);
        return app;
    }
}
