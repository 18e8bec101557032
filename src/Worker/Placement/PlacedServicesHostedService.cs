using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Placement;

/// <summary>
/// Joins <see cref="PlacedServices"/> to the generic host: registered after the app's services, so at the host's
/// start it resolves the placed services (a registration the container cannot build fails the boot, as an ordinary
/// hosted service's would), and at its stop, which runs in reverse order, the placed services stop before any of the
/// app's own hosted services they may use.
/// </summary>
internal sealed class PlacedServicesHostedService(PlacedServices placed, IServiceProvider services, ILogger<PlacedServices> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var resolved = services.GetServices<PlacedHostedServiceRegistration>()
            .Select(registration => (registration, (IHostedService)services.GetRequiredService(registration.ServiceType)))
            .ToList();
        placed.Attach(resolved, logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => placed.StopAsync(cancellationToken);
}
