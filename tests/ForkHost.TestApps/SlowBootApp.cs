using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>
/// Workers that take a while to boot (a cache warmed per worker, say): <c>ConfigureServices</c> sleeps
/// <c>SlowBoot:Milliseconds</c> (2000 by default), so a test has a known window in which a worker is booting.
/// Workers answer <c>GET /</c> with "booted".
/// </summary>
public sealed class SlowBootApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureServices(WorkerContext context, IServiceCollection services)
    {
        int milliseconds = int.TryParse(context.Configuration["SlowBoot:Milliseconds"], out int value) ? value : 2000;
        Thread.Sleep(milliseconds);
    }

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/", () => Results.Text("booted\n"));
}
