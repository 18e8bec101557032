using System.Diagnostics.CodeAnalysis;
using ForkHost;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers background services that must not run once per worker.</summary>
public static class PlacedHostedServiceExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TService"/> as a hosted service that runs in exactly one worker of the supervisor at a
    /// time, never in two, not even while a reload (SIGHUP) or an upgrade (SIGUSR2) runs two sets of workers side by
    /// side. The worker that holds the supervisor's placement lease starts it; when that worker is recycled, crashes or
    /// is replaced, the service is stopped there (or dies with it) before another worker starts it, so there can be a
    /// short gap but no overlap.
    /// </summary>
    /// <remarks>
    /// <para>The service is registered as a singleton of its own type and described by a
    /// <see cref="PlacedHostedServiceRegistration"/>; it is not an <see cref="IHostedService"/> of the app's service
    /// collection, so the generic host does not start it by itself. Adding the same type twice registers it once.</para>
    /// <para>Outside ForkHost (a plain <c>dotnet run</c> of the same code) nothing starts a placed service; an app that
    /// also runs that way adds it with <c>AddHostedService</c> there.</para>
    /// <para>Its <see cref="IHostedService.StopAsync"/> gets a token that is cancelled after a few seconds: a placed
    /// service that does not stop in time is abandoned, and the next holder waits for the process to release the
    /// lease's kernel lock (it does when it exits).</para>
    /// </remarks>
    public static IServiceCollection AddPlacedHostedService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(this IServiceCollection services)
        where TService : class, IHostedService
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TService>();
        if (!services.Any(d => d.ServiceType == typeof(PlacedHostedServiceRegistration)
                && d.ImplementationInstance is PlacedHostedServiceRegistration { ServiceType: var type } && type == typeof(TService)))
            services.AddSingleton(new PlacedHostedServiceRegistration(typeof(TService)));
        return services;
    }
}
