using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace ForkHost.Tests.OwnExecutable;

/// <summary>
/// An assembly's module version id (MVID): the GUID the compiler gives every compilation, which ForkHost's build id
/// digests. A new one in an otherwise identical file is, to the runtime and to ForkHost, another build: the cheapest
/// honest "new release" (a second compilation would cost a minute). The runtime loads the patched file as it is.
/// </summary>
internal static class ModuleVersionId
{
    private const int GuidSize = 16;

    public static Guid Read(string assembly) => Locate(assembly).Mvid;

    /// <summary>
    /// Writes a copy of <paramref name="assembly"/> with a new MVID next to it and renames it over the original, as a
    /// deploy replaces a file (a new inode: a process that has the old one open or mapped keeps it).
    /// </summary>
    /// <returns>The new MVID.</returns>
    public static Guid Replace(string assembly)
    {
        (Guid old, int offset) = Locate(assembly);
        byte[] image = File.ReadAllBytes(assembly);
        // The #GUID heap holds GUIDs in Guid.ToByteArray's layout: the bytes found must be the MVID the reader read.
        Assert.Equal(old.ToByteArray(), image[offset..(offset + GuidSize)]);
        Guid fresh = Guid.NewGuid();
        Assert.True(fresh.TryWriteBytes(image.AsSpan(offset, GuidSize)));
        string staged = assembly + ".deploying";
        File.WriteAllBytes(staged, image);
        File.Move(staged, assembly, overwrite: true);
        Assert.Equal(fresh, Read(assembly));
        return fresh;
    }

    /// <summary>The MVID and its file offset: metadata's start, then the #GUID heap's, then the module row's 1-based index into it.</summary>
    private static (Guid Mvid, int Offset) Locate(string assembly)
    {
        using FileStream stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        GuidHandle mvid = metadata.GetModuleDefinition().Mvid;
        // For a GUID handle the "heap offset" is its index (1-based) in units of GUIDs, not bytes.
        int index = MetadataTokens.GetHeapOffset(mvid);
        int offset = pe.PEHeaders.MetadataStartOffset + metadata.GetHeapMetadataOffset(HeapIndex.Guid) + ((index - 1) * GuidSize);
        return (metadata.GetGuid(mvid), offset);
    }
}
