using System.Threading.RateLimiting;
using ForkHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Traps.State;

/// <summary>
/// Trap 3, per-worker in-memory state: a session counter and a rate-limited endpoint, as a one-process app writes
/// them. With <c>Traps:State:Shared=false</c> the session lives in AddDistributedMemoryCache and the limiter in
/// AddRateLimiter, both in one worker's memory: the next worker finds no session, and each worker grants the limit.
/// With <c>true</c> both are kept in the app's MySQL server (<see cref="MySqlDistributedCache"/>,
/// <see cref="MySqlFixedWindowCounter"/>), and N workers behave as one.
/// </summary>
internal static class StateTrap
{
    public const int PermitLimit = 10;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private const string Policy = "traps-state";
    private const string CounterKey = "counter";

    public static void ConfigureBuilder(WorkerContext context, WebApplicationBuilder builder)
    {
        bool shared = builder.Configuration.GetValue("Traps:State:Shared", false);
        if (shared)
        {
            string connectionString = ConnectionString(builder.Configuration);
            builder.Services.AddSingleton<IDistributedCache>(new MySqlDistributedCache(connectionString, TimeProvider.System));
            builder.Services.AddSingleton(new MySqlFixedWindowCounter(connectionString, PermitLimit, Window, TimeProvider.System));
        }
        else
        {
            builder.Services.AddDistributedMemoryCache();
            builder.Services.AddRateLimiter(options =>
            {
                options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                options.AddPolicy(Policy, http => RateLimitPartition.GetFixedWindowLimiter(Client(http), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = PermitLimit,
                    Window = Window,
                    QueueLimit = 0,
                }));
            });
        }
        builder.Services.AddSession(options =>
        {
            options.Cookie.Name = "traps-session";
            options.IdleTimeout = TimeSpan.FromMinutes(20);
        });
    }

    public static void Configure(WorkerContext context, WebApplication app)
    {
        bool shared = app.Configuration.GetValue("Traps:State:Shared", false);
        app.UseSession();
        if (!shared)
            app.UseRateLimiter();
        IEndpointRouteBuilder endpoints = app;

        // The session counter: 1, 2, 3… for one client, as long as its session survives.
        endpoints.MapGet("/state/session", async (HttpContext http) =>
        {
            await http.Session.LoadAsync(http.RequestAborted);
            int counter = (http.Session.GetInt32(CounterKey) ?? 0) + 1;
            http.Session.SetInt32(CounterKey, counter);
            // Stored before the answer leaves: the session middleware commits only after the response is written, and a
            // client that reads it and goes to another worker at once would find the previous counter there.
            await http.Session.CommitAsync(http.RequestAborted);
            return Results.Text($"{counter} worker {context.WorkerId} pid {Environment.ProcessId}\n");
        });

        // The rate-limited endpoint: "granted <window>" for a permit; 429 beyond PermitLimit per window and client.
        RouteHandlerBuilder limited = endpoints.MapGet("/state/limited", async (HttpContext http) =>
        {
            if (!shared)
                return Results.Text($"granted worker-{context.WorkerId}\n");
            var counter = http.RequestServices.GetRequiredService<MySqlFixedWindowCounter>();
            (bool granted, long window) = await counter.TryAcquireAsync(Client(http), http.RequestAborted);
            return granted ? Results.Text($"granted {window}\n") : Results.StatusCode(StatusCodes.Status429TooManyRequests);
        });
        if (!shared)
            limited.RequireRateLimiting(Policy);
    }

    /// <summary>The client a limit applies to: the X-Client header where the caller names itself (the lab does, one name per run), else the peer address.</summary>
    private static string Client(HttpContext http) =>
        http.Request.Headers["X-Client"].FirstOrDefault() is { Length: > 0 and <= 100 } named ? $"client:{named}"
            : $"ip:{http.Connection.RemoteIpAddress}";

    /// <summary>The app's MySQL server, as the Comments sample gets it: FORKHOST_MYSQL / --mysql-file reach the app as ForkHost:MySql.</summary>
    private static string ConnectionString(IConfiguration configuration) =>
        configuration["ForkHost:MySql"] ?? configuration["ConnectionStrings:Traps"]
        ?? throw new InvalidOperationException("Traps:State:Shared=true keeps sessions and permits in MySQL: pass --mysql-file PATH, set FORKHOST_MYSQL, or set ConnectionStrings:Traps.");
}
