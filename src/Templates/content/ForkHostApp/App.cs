using System.Globalization;
using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MyApp;

/// <summary>
/// The app: the supervisor runs <see cref="LoadAsync"/> once, then every worker builds the web app as a
/// <c>Program.cs</c> would. Served by its own executable (Program.cs) or by
/// <c>forkhost run --app bin/Debug/net10.0/MyApp.dll --workers 4</c>.
/// </summary>
public sealed class App : IForkHostApp
{
    /// <summary>Once, in the supervisor, before any worker exists. What it puts in Properties reaches every worker.</summary>
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken)
    {
        context.Properties["greeting"] = context.Configuration["MyApp:Greeting"] ?? "Hello";
        context.Properties["loadedBy"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }

    /// <summary>In every worker: the top of a Program.cs (services, builder.WebHost, logging, configuration).</summary>
    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new Greeting(context.LoadedProperties["greeting"]));
        // JSON through generated code, which NativeAOT needs (it has no reflection-based serializer) and the JIT runs faster.
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, AppJsonContext.Default));
    }

    /// <summary>In every worker: the bottom of a Program.cs, middleware then endpoints, in this order.</summary>
    public void Configure(WorkerContext context, WebApplication app)
    {
        // Middleware goes here, before the endpoints: app.UseExceptionHandler(…), app.UseStaticFiles(), …
        app.MapGet("/", (Greeting greeting) => $"{greeting.Text} from worker {context.WorkerId} (pid {Environment.ProcessId})\n");
        app.MapGet("/whoami", () => TypedResults.Ok(new WhoAmI(
            Environment.ProcessId,
            context.WorkerId,
            context.Generation,
            int.Parse(context.LoadedProperties["loadedBy"], CultureInfo.InvariantCulture))));
    }
}
