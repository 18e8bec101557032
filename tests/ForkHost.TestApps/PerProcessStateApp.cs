using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ForkHost.TestApps;

/// <summary>
/// Trap 3's registrations, for the fork-safety audit's process tests: an in-memory session and a rate limiter (warnings)
/// always; with <c>PerProcessStateApp__HostedService</c> set (a file path), an app hosted service that writes that file
/// when it starts, so a test can tell whether it ever ran.
/// </summary>
public sealed class PerProcessStateApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddRateLimiter(_ => { });
        if (builder.Configuration["PerProcessStateApp:HostedService"] is { Length: > 0 } marker)
        {
            builder.Services.AddSingleton(new MarkerFile(marker));
            builder.Services.AddHostedService<MarkerWritingService>();
        }
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        app.UseSession();
        app.MapGet("/", () => Results.Text($"worker {context.WorkerId}\n"));
    }

    public sealed record MarkerFile(string Path);

    /// <summary>A background job as apps write them: in N workers it runs N times.</summary>
    public sealed class MarkerWritingService(MarkerFile marker) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
            File.AppendAllTextAsync(marker.Path, $"{Environment.ProcessId}\n", stoppingToken);
    }
}
