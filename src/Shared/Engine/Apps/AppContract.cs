using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ForkHost.Apps;

/// <summary>
/// Whether an app assembly and its app type fit the contract this ForkHost carries: built against a compatible
/// ForkHost.Abstractions, and implementing one of the contract's two shapes of a worker.
/// </summary>
internal static class AppContract
{
    /// <summary>The contract's assembly before it became a package; an app built against it must be rebuilt.</summary>
    private const string SourceTreeContract = "ForkHost.Shared";

    private static readonly AssemblyName Carried = typeof(IForkHostApp).Assembly.GetName();

    /// <summary>What an app may have been built against: the same major version (and minor, before 1.0), not newer than this one.</summary>
    public static bool IsCompatible(Version builtAgainst, Version carried) =>
        builtAgainst.Major == carried.Major
        && (carried.Major > 0 || builtAgainst.Minor == carried.Minor)
        && new Version(builtAgainst.Major, builtAgainst.Minor, Math.Max(builtAgainst.Build, 0)) <= new Version(carried.Major, carried.Minor, Math.Max(carried.Build, 0));

    [RequiresUnreferencedCode("Reads the references of an app assembly loaded from a path; only AppLoader calls it.")]
    public static void Check(Assembly assembly, string path)
    {
        AssemblyName[] references = assembly.GetReferencedAssemblies();
        AssemblyName? contract = references.FirstOrDefault(r => r.Name == Carried.Name);
        string carried = Describe(Carried.Version);
        if (contract is null)
        {
            if (references.Any(r => r.Name == SourceTreeContract))
            {
                throw new AppResolutionException(
                    $"'{path}' was built against {SourceTreeContract}, ForkHost's contract before it was packaged; reference the {Carried.Name} package {carried} instead (README, For app authors) and rebuild.");
            }
            return;
        }
        if (contract.Version is { } builtAgainst && Carried.Version is { } version && !IsCompatible(builtAgainst, version))
        {
            string range = version.Major > 0 ? $"{version.Major}.0 to {carried}" : $"{version.Major}.{version.Minor}.0 to {carried}";
            throw new AppResolutionException(
                $"'{path}' was built against {Carried.Name} {Describe(builtAgainst)}, and this forkhost serves apps built against {range}; "
                + $"update forkhost (dotnet tool update --global forkhost) or build the app against {Carried.Name} {carried}.");
        }
    }

    /// <summary>An app implements the builder and application pair, or the older services and endpoints pair; one with neither would serve nothing.</summary>
    public static Type CheckConfiguresSomething(Type type)
    {
        string[] configuring = [nameof(IForkHostApp.ConfigureBuilder), nameof(IForkHostApp.Configure), nameof(IForkHostApp.ConfigureServices), nameof(IForkHostApp.MapEndpoints)];
        InterfaceMapping map = type.GetInterfaceMap(typeof(IForkHostApp));
        for (int i = 0; i < map.InterfaceMethods.Length; i++)
        {
            if (configuring.Contains(map.InterfaceMethods[i].Name) && map.TargetMethods[i].DeclaringType != typeof(IForkHostApp))
                return type;
        }
        throw new AppResolutionException(
            $"Type '{type.FullName}' implements {nameof(IForkHostApp)} but configures no worker: implement Configure(WorkerContext, WebApplication) (and ConfigureBuilder for services), or the older ConfigureServices and MapEndpoints.");
    }

    private static string Describe(Version? version) => version is null ? "?" : $"{version.Major}.{version.Minor}.{Math.Max(version.Build, 0)}";
}
