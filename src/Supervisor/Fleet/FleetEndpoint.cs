using System.Globalization;
using ForkHost.Logging;
using ForkHost.Supervisor.Listeners;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ForkHost.Supervisor.Fleet;

/// <summary>
/// The supervisor's own HTTP listener (--metrics-bind) for load balancers, orchestrators and scrapers:
/// <c>GET /livez</c>, <c>GET /readyz</c> and <c>GET /metrics</c>. It is a bare <see cref="KestrelServer"/> with no
/// generic host (whose console lifetime would take SIGTERM from the arbiter) and no routing: three fixed paths. It
/// answers from what the arbiter loop published (<see cref="SupervisorHealth"/>), on the thread pool, and never waits
/// for the loop, so a probe says "stuck" rather than hanging with it. No worker is involved: a scrape or a probe does
/// not depend on which worker answers, or on whether any does.
/// </summary>
/// <remarks>
/// Under USR2 the socket passes to the successor (<see cref="Upgrades.SupervisorUpgrade"/>), as the --bind sockets do,
/// so the port is never closed. Only one supervisor answers on it at a time: a successor starts serving when it takes
/// over (its workers are all ready), and its predecessor stops at the handover; in the moment between, both answer
/// 200, and connections made meanwhile wait in the shared backlog.
/// </remarks>
internal sealed partial class FleetEndpoint : IHttpApplication<HttpContext>, IAsyncDisposable
{
    public const string LivenessPath = "/livez";
    public const string ReadinessPath = "/readyz";
    public const string MetricsPath = "/metrics";

    private const string TextContentType = "text/plain; charset=utf-8";

    private readonly Listener _listener;
    private readonly SupervisorHealth _health;
    private readonly IMetricsExposition _metrics;
    private readonly ILogger _logger;
    private readonly ServiceProvider _services;
    private readonly KestrelServer _server;
    private readonly TaskCompletionSource _disposing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _serving = Task.CompletedTask;

    /// <param name="listener">The bound --metrics-bind socket; the endpoint owns it from now on.</param>
    /// <param name="metrics">What <c>/metrics</c> writes.</param>
    public FleetEndpoint(Listener listener, SupervisorHealth health, IMetricsExposition metrics, ILoggerFactory loggerFactory)
    {
        _listener = listener;
        _health = health;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<FleetEndpoint>();
        _services = new ServiceCollection().AddSingleton(loggerFactory).AddLogging().BuildServiceProvider();

        var options = new KestrelServerOptions { AddServerHeader = false, ApplicationServices = _services };
        // Probes and scrapes are small: a few connections, no request bodies. The limits keep a misbehaving client
        // from costing the supervisor more than that.
        options.Limits.MaxConcurrentConnections = 64;
        options.Limits.MaxRequestBodySize = 0;
        options.Limits.MaxRequestHeadersTotalSize = 8 * 1024;
        options.ListenHandle((ulong)listener.Descriptor, l => l.Protocols = HttpProtocols.Http1);
        // No I/O queues of its own: socket completions run on the thread pool, which the supervisor has anyway, so the
        // endpoint adds one thread (Kestrel's heartbeat timer) and nothing per core.
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions { IOQueueCount = 0 }), loggerFactory);
        _server = new KestrelServer(Options.Create(options), transport, loggerFactory);
    }

    public string Address => _listener.Address;

    /// <summary>The socket, for a USR2 successor to inherit.</summary>
    public Listener Listener => _listener;

    /// <summary>
    /// Serves while this supervisor is the current one: at once on a normal start (before the app's load step, so
    /// /readyz says 503 during boot), from the takeover on in a USR2 successor, until the handover or disposal.
    /// </summary>
    public void Start() => _serving = ServeWhileCurrentAsync();

    private async Task ServeWhileCurrentAsync()
    {
        await Task.WhenAny(_health.BecameCurrent, _disposing.Task);
        if (_disposing.Task.IsCompleted)
            return;
        try
        {
            await _server.StartAsync(this, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The socket is bound and listening, so this is not the operator's input; the workers serve on regardless.
            LogFailed(_logger, _listener.Address, e.Message);
            return;
        }
        LogServing(_logger, _listener.Address, _listener.Descriptor);
        await Task.WhenAny(_health.NoLongerCurrent, _disposing.Task);
        if (_health.NoLongerCurrent.IsCompleted)
            LogHandedOver(_logger, _listener.Address);
        // Unbinds without closing the descriptor (Kestrel adopts a handle without owning it): a successor that
        // inherited the socket keeps accepting on it.
        await _server.StopAsync(CancellationToken.None);
    }

    HttpContext IHttpApplication<HttpContext>.CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

    void IHttpApplication<HttpContext>.DisposeContext(HttpContext context, Exception? exception)
    {
    }

    Task IHttpApplication<HttpContext>.ProcessRequestAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        string path = context.Request.Path.Value ?? "/";
        if (path is not (LivenessPath or ReadinessPath or MetricsPath))
            return Text(context, StatusCodes.Status404NotFound, $"not found: this is the ForkHost supervisor's endpoint ({LivenessPath}, {ReadinessPath}, {MetricsPath}); the app is served on --bind\n");
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.Headers.Allow = "GET, HEAD";
            return Text(context, StatusCodes.Status405MethodNotAllowed, "method not allowed: GET or HEAD\n");
        }
        return path switch
        {
            LivenessPath => Liveness(context),
            ReadinessPath => Readiness(context),
            _ => Metrics(context),
        };
    }

    private Task Liveness(HttpContext context)
    {
        if (!_health.LoopStarted)
            return Text(context, StatusCodes.Status200OK, "live: starting (the app's load step for generation 1 runs)\n");
        string since = _health.SinceLastTurn.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        return _health.IsLive
            ? Text(context, StatusCodes.Status200OK, $"live: the arbiter loop turned {since} s ago\n")
            : Text(context, StatusCodes.Status503ServiceUnavailable,
                $"stuck: the arbiter loop has not turned for {since} s (limit {SupervisorHealth.StuckAfter.TotalSeconds:0} s)\n");
    }

    private Task Readiness(HttpContext context)
    {
        FleetReadiness readiness = _health.Readiness;
        return Text(context, readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            $"ready: {readiness.Describe()}\n");
    }

    private async Task Metrics(HttpContext context)
    {
        context.Response.ContentType = _metrics.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
            return;
        await _metrics.WriteAsync(context.Response.Body, context.RequestAborted);
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = TextContentType;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        _disposing.TrySetResult();
        await _serving;
        _server.Dispose();
        await _services.DisposeAsync();
        _listener.Dispose();
    }

    [LoggerMessage(EventId = EventIds.FleetEndpointServing, Level = LogLevel.Information, Message = "Fleet endpoint at {Address} (fd {Descriptor}): GET /livez, /readyz, /metrics")]
    private static partial void LogServing(ILogger logger, string address, int descriptor);

    [LoggerMessage(EventId = EventIds.FleetEndpointHandedOver, Level = LogLevel.Information, Message = "Fleet endpoint at {Address}: the successor answers on it now; this supervisor stopped")]
    private static partial void LogHandedOver(ILogger logger, string address);

    [LoggerMessage(EventId = EventIds.FleetEndpointFailed, Level = LogLevel.Error, Message = "Fleet endpoint at {Address} cannot serve: {Error}; the workers serve on")]
    private static partial void LogFailed(ILogger logger, string address, string error);
}
