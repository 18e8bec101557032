using System.Globalization;
using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace MyApp;

/// <summary>
/// Served by <c>forkhost run --app bin/Debug/net10.0/MyApp.dll --workers 4</c>: the supervisor runs
/// <see cref="LoadAsync"/> once, then every worker builds the web app as a <c>Program.cs</c> would.
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
    }

    /// <summary>In every worker: the bottom of a Program.cs, middleware then endpoints, in this order.</summary>
    public void Configure(WorkerContext context, WebApplication app)
    {
        // Middleware goes here, before the endpoints: app.UseExceptionHandler(…), app.UseStaticFiles(), …
        app.MapGet("/", (Greeting greeting) => $"{greeting.Text} from worker {context.WorkerId} (pid {Environment.ProcessId})\n");
        app.MapGet("/whoami", () => Results.Json(new
        {
            pid = Environment.ProcessId,
            workerId = context.WorkerId,
            generation = context.Generation,
            loadedBy = int.Parse(context.LoadedProperties["loadedBy"], CultureInfo.InvariantCulture),
        }));
    }
}

/// <summary>A service registered in <see cref="App.ConfigureBuilder"/>, from the value the load step computed.</summary>
public sealed record Greeting(string Text);
