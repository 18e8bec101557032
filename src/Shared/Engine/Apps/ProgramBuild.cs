using System.Reflection;
using System.Security.Cryptography;

namespace ForkHost.Apps;

/// <summary>
/// Which build of the program a process runs: its name, its version and an id of its code. The supervisor sends its
/// own in the hello, and a worker that runs another build refuses to boot (Unicorn's rule: workers run the master's
/// code; new code comes with a new master, USR2). Workers start from /proc/self/exe, so a NativeAOT binary replaced
/// on disk cannot differ; under the JIT the app's assemblies are read from disk again by every worker, and a deploy
/// that overwrote them in place would otherwise mix two versions of the code behind one socket.
/// </summary>
/// <param name="Name">The entry assembly: the app's own executable, or forkhost.</param>
/// <param name="Version">Its informational version, without the source-revision suffix.</param>
/// <param name="Id">A digest of the module version ids of the entry assembly and of ForkHost's engine: a new one for
/// every compilation of either.</param>
internal sealed record ProgramBuild(string Name, string Version, string Id)
{
    private static readonly Lazy<ProgramBuild> Own = new(Read);

    /// <summary>This process's build.</summary>
    public static ProgramBuild Current => Own.Value;

    /// <summary>"Comments 1.0.0 (build 3f2a9c1e)": what the refusal prints for each side.</summary>
    public override string ToString() => $"{Name} {Version} (build {Id})";

    private static ProgramBuild Read()
    {
        Assembly entry = Assembly.GetEntryAssembly() ?? typeof(ProgramBuild).Assembly;
        string version = entry.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? entry.GetName().Version?.ToString() ?? "0.0.0";
        Span<byte> ids = stackalloc byte[32];
        entry.ManifestModule.ModuleVersionId.TryWriteBytes(ids);
        typeof(ProgramBuild).Assembly.ManifestModule.ModuleVersionId.TryWriteBytes(ids[16..]);
        string id = Convert.ToHexStringLower(SHA256.HashData(ids))[..12];
        return new ProgramBuild(entry.GetName().Name ?? "unknown", version, id);
    }
}
