using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ForkHost.TestApps;

/// <summary>
/// An app that leaks descriptors on request (<c>/leak?count=N</c> opens N handles on /dev/null and keeps them), so
/// that a worker's own descriptors leave no room for connections: the supervisor must replace it.
/// </summary>
public sealed class DescriptorLeakApp : IForkHostApp
{
    private static readonly List<FileStream> Leaked = [];

    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureServices(WorkerContext context, IServiceCollection services)
    {
    }

    public void MapEndpoints(WorkerContext context, IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/whoami", () => Results.Json(new { pid = Environment.ProcessId, workerId = context.WorkerId, generation = context.Generation, loadedBy = context.SupervisorPid }));
        endpoints.MapGet("/leak", (int count) =>
        {
            lock (Leaked)
            {
                for (int i = 0; i < count; i++)
                    Leaked.Add(new FileStream("/dev/null", FileMode.Open, FileAccess.Read));
                return Results.Text($"{Leaked.Count} descriptors leaked\n");
            }
        });
    }
}
