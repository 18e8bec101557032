using Microsoft.Extensions.Hosting;

namespace ForkHost;

/// <summary>
/// One hosted service that runs in exactly one worker of the supervisor at a time, as
/// <see cref="Microsoft.Extensions.DependencyInjection.PlacedHostedServiceExtensions.AddPlacedHostedService{TService}"/>
/// registers it. The worker that holds the supervisor's placement lease starts it; every other worker only has it
/// registered.
/// </summary>
/// <remarks>
/// A placed service is deliberately not registered as an <see cref="IHostedService"/>: the generic host would start it
/// in every worker. It is registered as itself (a singleton) and described by one of these, so an
/// <see cref="IHostedService"/> still in the app's service collection always means a service that runs N times.
/// </remarks>
public sealed class PlacedHostedServiceRegistration
{
    /// <summary>Describes the placed service registered as <paramref name="serviceType"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="serviceType"/> does not implement <see cref="IHostedService"/>.</exception>
    public PlacedHostedServiceRegistration(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (!typeof(IHostedService).IsAssignableFrom(serviceType))
            throw new ArgumentException($"{serviceType.FullName} does not implement {nameof(IHostedService)}.", nameof(serviceType));
        ServiceType = serviceType;
    }

    /// <summary>The service's type, resolved from the worker's service provider when the worker starts it.</summary>
    public Type ServiceType { get; }

    /// <inheritdoc/>
    public override string ToString() => ServiceType.FullName ?? ServiceType.Name;
}
