namespace ForkHost.Apps;

/// <summary>
/// Where the app a process serves comes from, the one difference between the two ways to run ForkHost:
/// <list type="bullet">
/// <item>compiled into this program (the app's own executable, <c>ForkHostProgram.RunAsync&lt;TApp&gt;</c>): the type is
/// known at compile time, nothing is loaded by reflection, so this mode publishes with NativeAOT;</item>
/// <item>loaded from the assembly named by <c>--app</c> (the forkhost tool, like a plugin): the supervisor and every
/// worker find the type by reflection, and only the JIT can run it.</item>
/// </list>
/// The supervisor and its workers are always the same program, so both sides of a process tree use the same source.
/// </summary>
internal sealed class AppSource
{
    private readonly Func<AppSpecification, (IForkHostApp App, Type Type)> _instantiate;

    private AppSource(AppSpecification? compiledIn, string? programName, Func<AppSpecification, (IForkHostApp App, Type Type)> instantiate)
    {
        CompiledIn = compiledIn;
        ProgramName = programName;
        _instantiate = instantiate;
    }

    /// <summary>The app compiled into this program; null when it comes from --app.</summary>
    public AppSpecification? CompiledIn { get; }

    /// <summary>How messages name this program: the app's executable, or null for forkhost.</summary>
    public string? ProgramName { get; }

    /// <summary>The app built into this program. Its "assembly path" is where its files are (content root, appsettings.json).</summary>
    public static AppSource Compiled<TApp>() where TApp : class, IForkHostApp, new()
    {
        string name = typeof(TApp).Assembly.GetName().Name ?? typeof(TApp).Name;
        var specification = new AppSpecification(Path.Combine(AppContext.BaseDirectory, name + ".dll"), typeof(TApp).FullName);
        return new AppSource(specification, name, _ => (new TApp(), typeof(TApp)));
    }

    /// <summary>Apps loaded from the file --app names, by <paramref name="load"/> (the forkhost tool passes <see cref="AppLoader.Load"/>).</summary>
    public static AppSource FromAssemblyFile(Func<AppSpecification, (IForkHostApp App, Type Type)> load) => new(null, null, load);

    /// <summary>A new instance of the app: on start, and again on every reload (SIGHUP) and in every worker.</summary>
    /// <exception cref="AppResolutionException">--app names no loadable app.</exception>
    public (IForkHostApp App, Type Type) Instantiate(AppSpecification specification) =>
        _instantiate(CompiledIn ?? specification);
}
