namespace ForkHost.Tests.OwnExecutable;

/// <summary>The two ways the Comments sample is its own executable: the same tests run against both.</summary>
public enum OwnExecutableBuild
{
    /// <summary>The build's apphost next to Comments.dll: the runtime loads the assemblies and JIT-compiles them.</summary>
    Jit,

    /// <summary>One native binary, published by ./dev test (and ./dev aot).</summary>
    NativeAot,
}
