using System.Reflection;
using ForkHost.Channel;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ForkHost.Worker.ProcessState;

/// <summary>
/// Finds, in the app's service registrations, what keeps state in one worker's memory (multi-process trap 3): in-memory
/// sessions and distributed cache, IMemoryCache, the rate limiter, the in-memory output cache, hosted services that
/// run in every worker, and a key ring that is not persisted. Only what the app's ConfigureBuilder added counts:
/// <c>WebApplication.CreateBuilder</c>'s defaults and ForkHost's own registrations are not the app's choice.
/// </summary>
internal static class PerProcessStateDetector
{
    /// <param name="beforeApp">The builder's services just before the app's ConfigureBuilder (the framework's and ForkHost's).</param>
    /// <param name="afterApp">The same services just after it, before ForkHost adds its per-worker pieces.</param>
    /// <param name="keyRingPersisted">Whether the built host's Data Protection keys outlive this process (<see cref="DataProtection.WorkerKeyRing.IsPersisted"/>).</param>
    public static IReadOnlyList<PerProcessStateFinding> Detect(IEnumerable<ServiceDescriptor> beforeApp, IReadOnlyList<ServiceDescriptor> afterApp, bool keyRingPersisted)
    {
        var framework = new HashSet<ServiceDescriptor>(beforeApp, ReferenceEqualityComparer.Instance);
        List<ServiceDescriptor> added = afterApp.Where(d => !framework.Contains(d)).ToList();
        var findings = new List<PerProcessStateFinding>();

        // The registration that wins is the last one; it matters only if the app put it there.
        ServiceDescriptor? distributedCache = Effective<IDistributedCache>(afterApp);
        bool memoryDistributedCache = distributedCache is not null && added.Contains(distributedCache)
            && ImplementationType(distributedCache) == typeof(MemoryDistributedCache);
        bool session = added.Any(d => d.ServiceType == typeof(ISessionStore));
        if (memoryDistributedCache && session)
            findings.Add(new(PerProcessStateKind.Session, "AddSession over AddDistributedMemoryCache"));
        else if (memoryDistributedCache && !BringsCacheTagHelpers(added))
            findings.Add(new(PerProcessStateKind.DistributedMemoryCache, "AddDistributedMemoryCache"));

        if (Effective<IMemoryCache>(afterApp) is { } memoryCache && added.Contains(memoryCache) && !IsHybridCacheOnly(added) && !BringsCacheTagHelpers(added))
            findings.Add(new(PerProcessStateKind.MemoryCache, "AddMemoryCache"));

        if (added.Any(d => d.ServiceType == typeof(IConfigureOptions<RateLimiterOptions>)))
            findings.Add(new(PerProcessStateKind.RateLimiter, "AddRateLimiter"));

        // AddOutputCache registers its in-memory store with TryAdd: a store the app registered (Redis) wins, before or after.
        if (added.Any(d => d.ServiceType == typeof(IConfigureOptions<OutputCacheOptions>))
            && Effective<IOutputCacheStore>(afterApp) is { } store && ImplementationAssembly(store) == typeof(IOutputCacheStore).Assembly)
            findings.Add(new(PerProcessStateKind.OutputCache, "AddOutputCache"));

        // AddPlacedHostedService<T> registers no IHostedService for T, so whatever the app's own code still runs as
        // one runs in every worker. The framework's (health-check publisher…) and ForkHost's are per worker on purpose.
        foreach (ServiceDescriptor hosted in added.Where(d => d.ServiceType == typeof(IHostedService)))
        {
            if (ImplementationAssembly(hosted) is { } assembly && !IsFrameworkOrForkHost(assembly))
                findings.Add(new(PerProcessStateKind.HostedService, ImplementationName(hosted)));
        }

        if (!keyRingPersisted)
            findings.Add(new(PerProcessStateKind.KeyRing, "Data Protection"));
        return findings;
    }

    private static ServiceDescriptor? Effective<TService>(IReadOnlyList<ServiceDescriptor> services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(TService) && !d.IsKeyedService);

    /// <summary>
    /// MVC views and Razor Pages register an IMemoryCache and an in-memory IDistributedCache for their cache tag
    /// helpers (rendered HTML, which is fine per worker). The two registrations look like the app's own calls, so with
    /// views an explicit AddMemoryCache or AddDistributedMemoryCache is not told apart and not reported; a session over
    /// that cache still is.
    /// </summary>
    private static bool BringsCacheTagHelpers(List<ServiceDescriptor> added) =>
        added.Any(d => d.ServiceType.Namespace?.StartsWith("Microsoft.AspNetCore.Mvc.TagHelpers", StringComparison.Ordinal) == true);

    /// <summary>
    /// AddHybridCache registers IMemoryCache as its first level, in front of the IDistributedCache it keeps consistent:
    /// that is its design, not the app treating memory as the truth. An explicit AddMemoryCache beside it is not told apart.
    /// </summary>
    private static bool IsHybridCacheOnly(List<ServiceDescriptor> added) =>
        added.Any(d => d.ServiceType.FullName == "Microsoft.Extensions.Caching.Hybrid.HybridCache");

    private static Type? ImplementationType(ServiceDescriptor d) =>
        d.IsKeyedService ? d.KeyedImplementationType ?? d.KeyedImplementationInstance?.GetType()
            : d.ImplementationType ?? d.ImplementationInstance?.GetType();

    /// <summary>The assembly that provides the service: its type's, its instance's, or for a factory the code that registered the lambda.</summary>
    private static Assembly? ImplementationAssembly(ServiceDescriptor d)
    {
        if (ImplementationType(d) is { } type)
            return type.Assembly;
        Delegate? factory = d.IsKeyedService ? d.KeyedImplementationFactory : d.ImplementationFactory;
        return factory?.Method.DeclaringType?.Assembly;
    }

    private static string ImplementationName(ServiceDescriptor d)
    {
        if (ImplementationType(d) is { } type)
            return type.FullName ?? type.Name;
        Delegate? factory = d.IsKeyedService ? d.KeyedImplementationFactory : d.ImplementationFactory;
        Type? returned = factory?.Method.ReturnType;
        return returned is not null && returned != typeof(IHostedService) && returned != typeof(object)
            ? returned.FullName ?? returned.Name
            : $"registered by a factory in {factory?.Method.DeclaringType?.Assembly.GetName().Name}";
    }

    private static readonly HashSet<string> ForkHostAssemblies = new(StringComparer.Ordinal)
    {
        typeof(PerProcessStateDetector).Assembly.GetName().Name!,
        typeof(PerProcessStateFinding).Assembly.GetName().Name!,
        typeof(IForkHostApp).Assembly.GetName().Name!,
    };

    private static bool IsFrameworkOrForkHost(Assembly assembly)
    {
        string name = assembly.GetName().Name ?? "";
        return name.StartsWith("Microsoft.", StringComparison.Ordinal)
            || name.StartsWith("System.", StringComparison.Ordinal)
            || name.StartsWith("Serilog", StringComparison.Ordinal)
            // By exact name: an app's own assembly may well start with "ForkHost." too.
            || ForkHostAssemblies.Contains(name);
    }
}
