using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ForkHost.TestApps;

/// <summary>Answers with the client as the app sees it: address, scheme, host. For the forwarded-headers and PROXY-protocol tests.</summary>
public sealed class ClientInfoApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Configure(WorkerContext context, WebApplication app) =>
        app.MapGet("/client", (HttpContext http) => Results.Json(new ClientInfo(
            http.Connection.RemoteIpAddress?.ToString(), http.Request.Scheme, http.Request.Host.Value, Environment.ProcessId)));

    public sealed record ClientInfo(string? Address, string Scheme, string? Host, int Pid);
}
