using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Traps.Background;

/// <summary>
/// Trap 2, background services run N times: a periodic job registered with AddHostedService starts in every worker,
/// so each tick is written once per worker. AddPlacedHostedService (Traps:Background:Placed=true) runs it in the one
/// worker that holds ForkHost's placement lease, through recycles, reloads, kills and upgrades.
/// </summary>
internal static class BackgroundTrap
{
    public static void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        if (BackgroundTrapOptions.From(builder.Configuration) is not { } options)
            return;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(context);
        if (options.Placed)
            builder.Services.AddPlacedHostedService<TickWriter>();
        else
            builder.Services.AddHostedService<TickWriter>();
    }

    public static void Configure(WorkerContext context, WebApplication app)
    {
        IEndpointRouteBuilder endpoints = app;
        // Something cheap to request, so that --max-requests recycles workers.
        endpoints.MapGet("/background/worker", () => Results.Text($"worker {context.WorkerId} pid {Environment.ProcessId}\n"));
    }
}
