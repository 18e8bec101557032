using ForkHost.Channel;
using ForkHost.Worker.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ForkHost.Worker.Limits;

/// <summary>
/// The supervisor's request limits (<see cref="RequestLimits"/>) in a worker, through Kestrel's and ASP.NET Core's own
/// mechanisms. Registered after the app's <c>ConfigureBuilder</c>, so that an option given to ForkHost wins over what the
/// app set in code (its ConfigureKestrel), which wins over its configuration (Kestrel:Limits), which wins over Kestrel's
/// default; an option not given changes nothing.
/// </summary>
internal static class WorkerRequestLimits
{
    /// <summary>The room one maximal field gets beside the others: Kestrel's default total for all headers.</summary>
    private const int OtherHeadersRoom = 32 * 1024;

    public static void AddTo(WebApplicationBuilder builder, RequestLimits limits)
    {
        // ASP.NET Core binds only Kestrel's endpoints from configuration, not its limits (an app does that itself with
        // Configure<KestrelServerOptions>). ForkHost binds Kestrel:Limits, first of all the options' configuration, so
        // that the app's own code and ForkHost's options come after it.
        IConfiguration configuration = builder.Configuration;
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<KestrelServerOptions>>(
            new ConfigureOptions<KestrelServerOptions>(kestrel => configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits))));
        builder.WebHost.ConfigureKestrel(kestrel => Apply(kestrel.Limits, limits));

        if (limits.RequestTimeoutMilliseconds is int timeout)
        {
            builder.Services.AddRequestTimeouts();
            // The app may have a default policy of its own (a status code, a response writer): keep those, with our timeout.
            builder.Services.PostConfigure<RequestTimeoutOptions>(options => options.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromMilliseconds(timeout),
                TimeoutStatusCode = options.DefaultPolicy?.TimeoutStatusCode,
                WriteTimeoutResponse = options.DefaultPolicy?.WriteTimeoutResponse,
            });
        }

        if (limits.MaxRequestHeaderFieldSize is int fieldSize)
        {
            // Right after ForkHost's request counting (the first startup filter), before anything of the app's: counted
            // and logged, never seen by the app.
            int counting = builder.Services.IndexOf(builder.Services.First(service => service.ServiceType == typeof(IStartupFilter)));
            builder.Services.Insert(counting + 1, ServiceDescriptor.Singleton<IStartupFilter>(
                new FirstMiddlewareStartupFilter(app => app.Use((http, next) => RefuseLargeFields(http, next, fieldSize)))));
        }
    }

    /// <summary>
    /// --request-timeout: the request-timeouts middleware first in the app's pipeline, which WebApplication runs after
    /// the routing it adds: the matched endpoint is known, so an endpoint's own <c>[RequestTimeout]</c>,
    /// <c>WithRequestTimeout</c> or <c>[DisableRequestTimeout]</c> wins over the default policy. Call before the app's
    /// <c>Configure</c>.
    /// </summary>
    public static void UseBeforeApp(WebApplication web, RequestLimits limits)
    {
        if (limits.RequestTimeoutMilliseconds is not null)
            web.UseRequestTimeouts();
    }

    internal static void Apply(KestrelServerLimits kestrel, RequestLimits limits)
    {
        if (limits.MaxRequestLineSize is int line)
            kestrel.MaxRequestLineSize = line;
        if (limits.MaxRequestHeaderCount is int count)
            kestrel.MaxRequestHeaderCount = count;
        if (limits.MaxRequestHeaderFieldSize is int field)
            kestrel.MaxRequestHeadersTotalSize = Math.Max(kestrel.MaxRequestHeadersTotalSize, field + OtherHeadersRoom);
        if (limits.MaxRequestBodySize is long body)
            kestrel.MaxRequestBodySize = body == 0 ? null : body;
        if (limits.KeepAliveTimeoutMilliseconds is int keepAlive)
            kestrel.KeepAliveTimeout = TimeSpan.FromMilliseconds(keepAlive);
        if (limits.MaxConcurrentConnections is long connections)
            kestrel.MaxConcurrentConnections = connections;
    }

    /// <summary>--limit-request-field-size: 431 for a request with a header field (name and value) larger than the limit.</summary>
    internal static Task RefuseLargeFields(HttpContext http, RequestDelegate next, int fieldSize)
    {
        foreach (KeyValuePair<string, StringValues> header in http.Request.Headers)
        {
            foreach (string? value in header.Value)
            {
                if (header.Key.Length + (value?.Length ?? 0) > fieldSize)
                {
                    http.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
                    return Task.CompletedTask;
                }
            }
        }
        return next(http);
    }
}
