using System.Diagnostics;
using ForkHost.Apps;
using ForkHost.Channel;
using ForkHost.Descriptors;
using ForkHost.Worker.Descriptors;
using ForkHost.Worker.Dispatching;
using ForkHost.Worker.DataProtection;
using ForkHost.Worker.Draining;
using ForkHost.Worker.Limits;
using ForkHost.Worker.Metrics;
using ForkHost.Worker.Pipeline;
using ForkHost.Worker.Placement;
using ForkHost.Worker.ProcessState;
using ForkHost.Worker.Tls;
using ForkHost.Worker.Proxies;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;

namespace ForkHost.Worker;

/// <summary>Runs the app on Kestrel over the listening sockets the supervisor sent; binds nothing of its own.</summary>
internal sealed partial class WorkerHost
{
    private readonly BootInstructions _instructions;
    private readonly Serilog.ILogger _serilog;
    private readonly WorkerCounters _counters;
    private readonly ConnectionDrain _drain = new();
    private readonly DispatchedConnections _dispatched;
    private readonly DescriptorBudget _descriptors;
    private readonly WorkerHealth _health;
    private readonly WorkerKeyRing _keyRing;
    private Microsoft.Extensions.Logging.ILogger? _accessLog;

    /// <param name="metrics">ASP.NET Core's and Kestrel's HTTP metrics, kept for the supervisor; null without --metrics-bind.
    /// Made before the web host, so the framework's instruments find their listener as they are created.</param>
    public WorkerHost(BootInstructions instructions, Serilog.ILogger serilog, HttpServerMetrics? metrics)
    {
        _instructions = instructions;
        _serilog = serilog;
        _counters = new WorkerCounters { Limit = instructions.Hello.Configuration.RecycleAfterRequests };
        _dispatched = new DispatchedConnections(instructions.Listeners.Count, _drain);
        _descriptors = new DescriptorBudget(DescriptorTable.Count, () => _drain.OpenConnections, TimeProvider.System);
        _health = new WorkerHealth(_descriptors, TimeProvider.System);
        _keyRing = new WorkerKeyRing(instructions.Hello.Configuration.KeyRingDirectory);
        Placed = new PlacedServices(PlacementFences.For(instructions.Hello.Configuration), TimeProvider.System);
        Metrics = metrics;
    }

    public WorkerCounters Counters => _counters;

    /// <summary>How full the descriptor table is, and how many more connections fit; heartbeats report it.</summary>
    public DescriptorBudget Descriptors => _descriptors;

    public WorkerHealth Health => _health;

    /// <summary>The app's placed hosted services (AddPlacedHostedService), run here only while this worker holds the lease.</summary>
    public PlacedServices Placed { get; }

    /// <summary>ASP.NET Core's and Kestrel's HTTP metrics, kept for the supervisor; null without --metrics-bind.</summary>
    public HttpServerMetrics? Metrics { get; }

    /// <summary>Where the channel delivers the connections the supervisor accepted (--balance dispatch).</summary>
    public DispatchedConnections Dispatched => _dispatched;

    /// <summary>Loads the app, builds the web host and starts serving. Any exception here is a boot failure, but
    /// <see cref="PerProcessStateRefusedException"/>, thrown before anything of the app runs or listens.</summary>
    /// <param name="reportState">Sends the per-process state found in the app's services to the supervisor, before
    /// any hosted service starts or any socket is served.</param>
    public async Task<(WebApplication Web, IForkHostApp App, WorkerContext Context)> StartAsync(
        Action<StateFindingsMessage> reportState, CancellationToken cancellationToken)
    {
        WorkerConfiguration configuration = _instructions.Hello.Configuration;
        // AOT: replaced by the lead's AppSource seam
#pragma warning disable IL2026, IL3050
        (IForkHostApp app, _) = AppLoader.Load(new AppSpecification(configuration.AppPath, configuration.AppTypeName));
#pragma warning restore IL2026, IL3050

        IConfiguration settings = new ConfigurationBuilder().AddInMemoryCollection(configuration.Settings).Build();
        var context = new WorkerContext(
            _instructions.Hello.WorkerId,
            _instructions.Hello.Generation,
            _instructions.Hello.SupervisorPid,
            settings,
            configuration.LoadedProperties,
            _instructions.InheritedConnections);

        // The builder a Program.cs gets: the app's own appsettings.json and environment, from its folder. HUP replaces
        // workers to apply new configuration, so no file watchers (each one is an inotify instance per worker).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = Path.GetFileNameWithoutExtension(configuration.AppPath),
            ContentRootPath = Path.GetDirectoryName(configuration.AppPath),
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        // ForkHost's configuration (as the load step saw it) over the app's own.
        builder.Configuration.AddConfiguration(settings);
        ListenerSetup.HideDefaultCertificate(builder.Configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(_serilog, dispose: false);
        _keyRing.AddTo(builder.Services, builder.Environment.ApplicationName);

        List<ServiceDescriptor> beforeApp = [.. builder.Services];
        app.ConfigureBuilder(context, builder);
        List<ServiceDescriptor> afterApp = [.. builder.Services];

        // ForkHost's own pieces, added after the app's so that they hold whatever it registered: the supervisor's
        // sockets, the drain, the worker's lifetime, and the request counting that wraps the app's whole pipeline.
        AddWorkerServices(builder, configuration);
        WebApplication web = builder.Build();
        if (configuration.AccessLog)
            _accessLog = web.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ForkHost.AccessLog");
        _keyRing.LogWhich(web.Services);
        if (configuration.AuditState)
        {
            IReadOnlyList<PerProcessStateFinding> findings = PerProcessStateDetector.Detect(beforeApp, afterApp, _keyRing.IsPersisted(web.Services));
            bool refused = configuration.RefuseLosingState && findings.Any(f => f.LosesData);
            reportState(new StateFindingsMessage(findings, refused));
            if (refused)
            {
                await web.DisposeAsync();
                throw new PerProcessStateRefusedException(findings);
            }
        }
        WorkerRequestLimits.UseBeforeApp(web, configuration.Limits ?? RequestLimits.None);
        app.Configure(context, web);

        await web.StartAsync(cancellationToken);
        await app.WorkerStartedAsync(context, web.Services, cancellationToken);
        return (web, app, context);
    }

    private void AddWorkerServices(WebApplicationBuilder builder, WorkerConfiguration configuration)
    {
        // After the app's hosted services: started last, stopped first, so the placed services stop while everything
        // they may use still runs.
        builder.Services.AddSingleton(Placed);
        builder.Services.AddHostedService<PlacedServicesHostedService>();
        builder.Services.RemoveAll<IHostLifetime>();
        builder.Services.AddSingleton<IHostLifetime, WorkerLifetime>();
        // The stop deadline comes with each stop request and is enforced by the token passed to StopAsync.
        builder.Services.PostConfigure<HostOptions>(o => o.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        // First in the pipeline, before anything the app adds (an exception handler included): every request is
        // counted, drained and logged with the status the client got.
        ForwardedHeadersOptions forwarded = ForwardedHeadersPolicy.For(configuration.ForwardedAllowIps);
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new FirstMiddlewareStartupFilter(app =>
        {
            app.Use(CountRequest);
            // Before the app's pipeline, so that the app, and the access log once the request is done, see the client.
            app.UseForwardedHeaders(forwarded);
        })));
        WorkerRequestLimits.AddTo(builder, configuration.Limits ?? RequestLimits.None);
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton(provider => new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions(), provider.GetRequiredService<ILoggerFactory>().CreateLogger<SocketConnectionContextFactory>()));
        // The listener calls listen() again on the inherited socket; the same backlog keeps the supervisor's setting.
        builder.Services.AddSingleton<IConnectionListenerFactory>(provider => new DrainableListenerFactory(
            configuration.Backlog,
            _drain,
            _dispatched,
            provider.GetRequiredService<SocketConnectionContextFactory>(),
            _descriptors,
            _health,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("ForkHost.Worker.Accepting")));
        var setup = new ListenerSetup(configuration.Certificate);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (ReceivedListener listener in _instructions.Listeners)
            {
                if (listener.Descriptor is int descriptor)
                    kestrel.ListenHandle((ulong)descriptor, listen => setup.Apply(listen, listener));
                else
                    kestrel.Listen(new DispatchedEndPoint(listener.Index, listener.Address), listen => setup.Apply(listen, listener));
            }
        });
    }

    private async Task CountRequest(HttpContext http, RequestDelegate next)
    {
        if (_drain.IsDraining)
            CloseAfterThisRequest(http);
        _counters.RequestStarted();
        long request = _counters.Requests.Started(http.Request.Method, http.Request.Path.Value ?? "/");
        _drain.RequestStarted();
        long started = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            _drain.RequestFinished();
            _counters.Requests.Finished(request);
            _counters.RequestFinished();
            if (_accessLog is { } log)
                LogRequest(log, http.Connection.RemoteIpAddress?.ToString() ?? "-", http.Request.Method, http.Request.Path.Value ?? "/", http.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>
    /// While draining, the client is told to take its next request elsewhere. HTTP/1.x: "Connection: close" on this
    /// response. HTTP/2 has no such header (connection-specific headers are not allowed there): a close requested on the
    /// connection makes Kestrel send GOAWAY, after which the client finishes the streams it has open here and starts
    /// new ones on a new connection, which another worker accepts.
    /// </summary>
    private static void CloseAfterThisRequest(HttpContext http)
    {
        if (HttpProtocol.IsHttp2(http.Request.Protocol) || HttpProtocol.IsHttp3(http.Request.Protocol))
            http.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        else
            http.Response.Headers.Connection = "close";
    }

    /// <summary>
    /// Stops accepting, closes keep-alive connections after their next response, and lets in-flight requests finish
    /// until the deadline (<see cref="ConnectionDrain"/>); a quick stop abandons them.
    /// </summary>
    public async Task StopAsync(WebApplication web, IForkHostApp app, WorkerContext context, StopRequest request)
    {
        var watch = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(request.Graceful ? request.Deadline : TimeSpan.Zero);
        if (request.Graceful)
        {
            // Half the deadline at most for connections to close by themselves; the rest is Kestrel's stop.
            int lingering = await _drain.DrainAsync(request.Deadline / 2);
            if (lingering > 0)
                    LogLingering(web.Services.GetRequiredService<ILogger<WorkerHost>>(), lingering);
            try
            {
                await app.WorkerStoppingAsync(context, web.Services, deadline.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogStoppingHookFailed(web.Services.GetRequiredService<ILogger<WorkerHost>>(), e);
            }
        }
        await web.StopAsync(deadline.Token);
        LogStopped(web.Services.GetRequiredService<ILogger<WorkerHost>>(), watch.Elapsed.TotalMilliseconds, request.Graceful);
    }

    [LoggerMessage(EventId = Logging.EventIds.AccessLog, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "{Client} {Method} {Path} {StatusCode} {Milliseconds:0.0} ms")]
    private static partial void LogRequest(Microsoft.Extensions.Logging.ILogger logger, string client, string method, string path, int statusCode, double milliseconds);

    [LoggerMessage(EventId = Logging.EventIds.WorkerDrainLingering, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "{Connections} keep-alive connections idle at the end of the drain; closing them")]
    private static partial void LogLingering(Microsoft.Extensions.Logging.ILogger logger, int connections);

    [LoggerMessage(EventId = Logging.EventIds.WorkerStoppingHookFailed, Level = Microsoft.Extensions.Logging.LogLevel.Error,
        Message = "The app's worker-stopping hook failed")]
    private static partial void LogStoppingHookFailed(Microsoft.Extensions.Logging.ILogger logger, Exception exception);

    [LoggerMessage(EventId = Logging.EventIds.WorkerStopped, Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "Stopped in {Milliseconds:0} ms (graceful: {Graceful})")]
    private static partial void LogStopped(Microsoft.Extensions.Logging.ILogger logger, double milliseconds, bool graceful);
}
