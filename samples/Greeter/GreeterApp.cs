using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Greeter;

/// <summary>
/// A gRPC service under ForkHost:
/// <c>forkhost run --app samples/Greeter/bin/Release/net10.0/Greeter.dll --bind https://127.0.0.1:5001 --certfile cert.pem --keyfile key.pem</c>
/// (h2 by ALPN), or <c>--bind 'http://127.0.0.1:5000?protocols=http2'</c> (h2c, as behind a proxy). The reply names
/// the worker that answered.
/// </summary>
public sealed class GreeterApp : IForkHostApp
{
    public Task LoadAsync(AppLoadContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(context);
    }

    public void Configure(WorkerContext context, WebApplication app)
    {
        app.MapGrpcService<GreeterService>();
        IEndpointRouteBuilder endpoints = app;
        endpoints.MapGet("/", (HttpContext http) =>
            $"Greeter: a gRPC service (greet.Greeter/SayHello), worker {context.WorkerId} (pid {Environment.ProcessId}), {http.Request.Protocol}\n");
    }
}
