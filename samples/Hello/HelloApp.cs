using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hello;

/// <summary>
/// The smallest ForkHost app: <c>forkhost run --app samples/Hello/bin/Debug/net10.0/Hello.dll --workers 4</c>.
/// Its load step runs once in the supervisor and hands a value to every worker; each worker answers with its identity.
/// </summary>
public sealed class HelloApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken)
    {
        // Runs in the supervisor before any worker exists; workers see the result, not the work.
        context.Properties["greeting"] = context.Configuration["Hello:Greeting"] ?? "Hello";
        context.Properties["loadedBy"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Logger.LogInformation("Hello app loaded in the supervisor");
        return Task.CompletedTask;
    }

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        // What the top of a Program.cs does: services, builder.WebHost (Kestrel's options), logging, configuration.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024);
        // Generated JSON code: the app also runs as a NativeAOT executable, where no reflection-based serializer exists.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, HelloJsonContext.Default));
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        // What the bottom of a Program.cs does: middleware and endpoints, in this order.
        string greeting = context.LoadedProperties["greeting"];
        IEndpointRouteBuilder endpoints = app;
        endpoints.MapGet("/", () => $"{greeting} from worker {context.WorkerId} (pid {Environment.ProcessId})\n");
        endpoints.MapGet("/whoami", () => TypedResults.Ok(new WhoAmI(
            Environment.ProcessId, context.WorkerId, context.Generation, int.Parse(context.LoadedProperties["loadedBy"], System.Globalization.CultureInfo.InvariantCulture))));
        endpoints.MapGet("/slow", async (int? ms, CancellationToken aborted) =>
        {
            await Task.Delay(Math.Clamp(ms ?? 1000, 0, 60_000), CancellationToken.None);
            return Results.Text($"slept {ms ?? 1000} ms in pid {Environment.ProcessId}\n");
        });
    }
}
