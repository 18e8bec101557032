namespace ForkHost.Tests.Infrastructure;

/// <summary>Where the built programs and apps are, for the build configuration these tests were built in.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the tests run the programs built alongside them.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;

    /// <summary>forkhost as the serving path builds it: no lab next to it.</summary>
    public static string SupervisorDirectory => Path.Combine(Root, "src", "Tool", "bin", Configuration, "net10.0");

    /// <summary>The lab's build: forkhost, forkhost-lab and the demo's app side by side.</summary>
    public static string LabDirectory => Path.Combine(Root, "src", "Lab", "ForkHost.Lab", "bin", Configuration, "net10.0");

    /// <summary>forkhost next to forkhost-lab, so that its demo and mysql-server commands work.</summary>
    public static string SupervisorWithLab => Path.Combine(LabDirectory, "forkhost");

    public static string Supervisor => Path.Combine(SupervisorDirectory, "forkhost");

    /// <summary>A worker is forkhost again, started with the channel in its environment.</summary>
    public static string Worker => Supervisor;

    /// <summary>The Comments sample, as the lab's build copies it for the demo.</summary>
    public static string CommentsApp => Path.Combine(LabDirectory, "demo-app", "Comments.dll");

    /// <summary>The Comments sample as its own executable under the JIT: the apphost next to Comments.dll.</summary>
    public static string CommentsOwnExecutableDirectory => Path.Combine(Root, "samples", "Comments", "bin", Configuration, "net10.0");

    /// <summary>The Comments sample published with NativeAOT, by ./dev test (and ./dev aot), not by the build.</summary>
    public static string CommentsNativeAot => Path.Combine(Root, "artifacts", "aot", "Comments", "Comments");

    public static string HelloApp => Path.Combine(Root, "samples", "Hello", "bin", Configuration, "net10.0", "Hello.dll");

    /// <summary>The Hello sample as its own executable (its apphost: ForkHostProgram.RunAsync&lt;HelloApp&gt;), under the JIT.</summary>
    public static string HelloExecutable => Path.Combine(Root, "samples", "Hello", "bin", Configuration, "net10.0", "Hello");

    public static string GreeterApp => Path.Combine(Root, "samples", "Greeter", "bin", Configuration, "net10.0", "Greeter.dll");

    public static string TestApps => Path.Combine(Root, "tests", "ForkHost.TestApps", "bin", Configuration, "net10.0", "ForkHost.TestApps.dll");

    public static string TestApp(string typeName) => $"{TestApps}:ForkHost.TestApps.{typeName}";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ForkHost.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"ForkHost.sln not found above {AppContext.BaseDirectory}.");
    }
}
