using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>
/// A load step that takes a while (a cache warmed from the database, say): <c>SlowLoad:Milliseconds</c>, 0 by default.
/// Workers answer <c>GET /</c> with <c>SlowLoad:Marker</c> as the load step read it, so a test sees which load served.
/// </summary>
public sealed class SlowLoadApp : IForkHostApp
{
    public async Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken)
    {
        int milliseconds = int.TryParse(context.Configuration["SlowLoad:Milliseconds"], out int value) ? value : 0;
        await Task.Delay(milliseconds, cancellationToken);
        context.Properties["marker"] = context.Configuration["SlowLoad:Marker"] ?? "none";
    }

    public void ConfigureServices(WorkerContext context, IServiceCollection services)
    {
    }

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints)
    {
        string marker = context.LoadedProperties["marker"];
        endpoints.MapGet("/", () => Results.Text($"{marker}\n"));
    }
}
