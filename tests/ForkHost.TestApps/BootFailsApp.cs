using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>Loads fine in the supervisor, crashes in every worker at boot: the supervisor must stop after a bounded number of tries.</summary>
public sealed class BootFailsApp : IForkHostApp
{
    public const string Error = "cannot configure services in a worker (test app)";

    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureServices(WorkerContext context, IServiceCollection services) => throw new InvalidOperationException(Error);

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints)
    {
    }
}
