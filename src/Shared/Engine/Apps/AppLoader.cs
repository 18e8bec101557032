using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;

namespace ForkHost.Apps;

/// <summary>
/// Loads the app assembly into the default load context, so that the app and ForkHost share one copy of every
/// assembly they both use: ForkHost.Shared (the contract) and MySqlConnector (whose pools the supervisor clears
/// before spawning). The app's own dependencies are resolved from its deps.json, as for a plugin; build apps with
/// &lt;EnableDynamicLoading&gt;true&lt;/EnableDynamicLoading&gt; so they are copied next to it.
/// </summary>
[RequiresUnreferencedCode("Loads an app assembly from a path and creates its app type by reflection: nothing of the app is known to the trimmer.")]
[RequiresDynamicCode("Loads an app assembly from a path at run time, which a NativeAOT executable cannot do.")]
internal static class AppLoader
{
    /// <summary>
    /// One dependency resolver per app assembly path, in the order they were first loaded. Each load used to add two
    /// handlers to the default context, so they piled up with every reload (SIGHUP) and the oldest app's resolver
    /// answered first; now the two handlers are added once and ask the resolvers in turn.
    /// </summary>
    private static readonly List<(string Path, AssemblyDependencyResolver Resolver)> Resolvers = [];
    private static readonly Lock ResolversLock = new();
    private static bool _handlersAdded;

    /// <summary>The app paths that have a resolver: one each, however often they are loaded.</summary>
    internal static IReadOnlyList<string> ResolverPaths
    {
        get
        {
            lock (ResolversLock)
                return Resolvers.Select(r => r.Path).ToList();
        }
    }

    public static (IForkHostApp App, Type Type) Load(AppSpecification specification)
    {
        Type type = ResolveType(specification);
        try
        {
            return ((IForkHostApp)Activator.CreateInstance(type)!, type);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new AppResolutionException($"The constructor of {type.FullName} threw: {e.InnerException.Message}", e.InnerException);
        }
    }

    public static Type ResolveType(AppSpecification specification)
    {
        string path = specification.AssemblyPath;
        if (Directory.Exists(path))
            throw new AppResolutionException($"'{path}' is a directory; pass the app's assembly, the .dll that dotnet build writes.");
        if (!File.Exists(path))
            throw new AppResolutionException($"App assembly '{path}' does not exist. Build the app (dotnet build) and pass the path of its .dll.");

        Assembly assembly = LoadAssembly(path);
        // Before any of its types is touched: a type of an incompatible contract fails to load with a less helpful message.
        AppContract.Check(assembly, path);
        Type[] candidates;
        try
        {
            candidates = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            throw new AppResolutionException($"Cannot read the types of '{path}': {e.Message}. Build the app with <EnableDynamicLoading>true</EnableDynamicLoading> so its dependencies are copied next to it.", e);
        }

        if (specification.TypeName is { } name)
        {
            Type? named = candidates.FirstOrDefault(t => t.FullName == name)
                ?? candidates.SingleOrDefault(t => t.Name == name);
            if (named is null)
                throw new AppResolutionException($"App assembly '{path}' has no public type '{name}'.");
            if (!IsApp(named))
                throw new AppResolutionException($"Type '{named.FullName}' in '{path}' does not implement {nameof(IForkHostApp)} with a public parameterless constructor.");
            return AppContract.CheckConfiguresSomething(named);
        }

        Type[] apps = candidates.Where(IsApp).ToArray();
        return apps.Length switch
        {
            1 => AppContract.CheckConfiguresSomething(apps[0]),
            0 => throw new AppResolutionException($"App assembly '{path}' has no public type implementing {nameof(IForkHostApp)} with a public parameterless constructor."),
            _ => throw new AppResolutionException($"App assembly '{path}' has {apps.Length} app types ({string.Join(", ", apps.Select(a => a.FullName))}); name one: --app '{path}:{apps[0].FullName}'."),
        };
    }

    private static bool IsApp(Type type) =>
        typeof(IForkHostApp).IsAssignableFrom(type) && type is { IsAbstract: false, IsInterface: false }
        && type.GetConstructor(Type.EmptyTypes) is not null;

    private static void AddResolver(string path)
    {
        string full = Path.GetFullPath(path);
        lock (ResolversLock)
        {
            if (!Resolvers.Any(r => r.Path == full))
                Resolvers.Add((full, new AssemblyDependencyResolver(full)));
            if (_handlersAdded)
                return;
            _handlersAdded = true;
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                FirstResolved(resolver => resolver.ResolveAssemblyToPath(name)) is { } dependency ? context.LoadFromAssemblyPath(dependency) : null;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) =>
                FirstResolved(resolver => resolver.ResolveUnmanagedDllToPath(name)) is { } library ? System.Runtime.InteropServices.NativeLibrary.Load(library) : IntPtr.Zero;
        }
    }

    private static string? FirstResolved(Func<AssemblyDependencyResolver, string?> resolve)
    {
        List<AssemblyDependencyResolver> resolvers;
        lock (ResolversLock)
            resolvers = Resolvers.Select(r => r.Resolver).ToList();
        return resolvers.Select(resolve).FirstOrDefault(found => found is not null);
    }

    private static Assembly LoadAssembly(string path)
    {
        AddResolver(path);
        try
        {
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
        }
        catch (BadImageFormatException e)
        {
            throw new AppResolutionException($"'{path}' is not a .NET assembly: {e.Message}", e);
        }
        catch (FileLoadException e)
        {
            throw new AppResolutionException($"Cannot load '{path}': {e.Message}", e);
        }
    }
}
