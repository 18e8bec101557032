using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>An app whose load step throws: the supervisor must exit 4 and spawn nothing.</summary>
public sealed class LoadFailsApp : IForkHostApp
{
    public const string Error = "settings table is missing (test app)";

    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => throw new InvalidOperationException(Error);

    public void ConfigureServices(WorkerContext context, IServiceCollection services) => throw new NotSupportedException();

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints) => throw new NotSupportedException();
}
