using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ForkHost.Worker.Pipeline;

/// <summary>
/// Puts ForkHost's per-request middleware (counting, drain, <c>Connection: close</c> while draining, access log) in
/// front of the whole pipeline, whatever the app's <c>Configure</c> adds: startup filters wrap the app's pipeline, and
/// this one is registered first, so it is outermost.
/// </summary>
internal sealed class FirstMiddlewareStartupFilter(Func<HttpContext, RequestDelegate, Task> middleware) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(middleware);
        next(app);
    };
}
