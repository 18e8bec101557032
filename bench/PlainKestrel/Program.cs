using Comments;
using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// The Comments sample in ONE Kestrel process, no supervisor: the baseline that prices ForkHost's multi-process model.
// It runs the app's contract in the order ForkHost does (LoadAsync, then ConfigureBuilder and Configure: the same
// pipeline, cookie authentication and antiforgery included), with the Kestrel settings a ForkHost worker uses.
// Usage: plain-kestrel --bind 127.0.0.1:PORT (FORKHOST_MYSQL: the database); with --certfile PEM --keyfile PEM it
// serves HTTPS as a forkhost https:// bind does (HTTP/1.1 and HTTP/2 by ALPN).
string? certFile = null, keyFile = null;
if (args is ["--bind", _, "--certfile", string cert, "--keyfile", string key])
    (certFile, keyFile, args) = (cert, key, args[..2]);
if (args is not ["--bind", string bind] || !System.Net.IPEndPoint.TryParse(bind, out System.Net.IPEndPoint? endpoint))
{
    Console.Error.WriteLine("usage: plain-kestrel --bind HOST:PORT [--certfile PEM --keyfile PEM]   (the database from FORKHOST_MYSQL)");
    return 2;
}

IConfiguration configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables("FORKHOST_")
    .Build();
// ForkHost reads FORKHOST_MYSQL as ForkHost:MySql; the app looks for that key.
var settings = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["ForkHost:MySql"] = configuration["MYSQL"] })
    .Build();

var app = new CommentsApp();
var load = new AppLoadContext(settings, NullLogger.Instance);
await app.LoadAsync(load, CancellationToken.None);
var context = new WorkerContext(1, 1, Environment.ProcessId, settings, new Dictionary<string, string>(load.Properties), []);

// The content root a worker gives the app: its own folder (appsettings.json with its users, wwwroot/).
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Comments", ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddConfiguration(settings);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseSockets(o => o.Backlog = 512);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    if (certFile is null)
    {
        kestrel.Listen(endpoint);
        return;
    }
    // As a ForkHost worker serves an https:// bind: the same protocols, Kestrel's UseHttps, the certificate from PEM files.
    kestrel.Listen(endpoint, listen =>
    {
        listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
        listen.UseHttps(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certFile, keyFile));
    });
});
app.ConfigureBuilder(context, builder);
WebApplication web = builder.Build();
app.Configure(context, web);

await web.StartAsync();
Console.Out.WriteLine($"plain-kestrel {Environment.ProcessId} listening on {(certFile is null ? "http" : "https")}://{endpoint}");
await web.WaitForShutdownAsync();
return 0;
