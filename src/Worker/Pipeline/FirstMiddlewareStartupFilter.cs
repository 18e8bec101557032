using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ForkHost.Worker.Pipeline;

/// <summary>
/// Puts ForkHost's own middleware (request counting, drain, <c>Connection: close</c> while draining, access log,
/// forwarded headers) in front of the whole pipeline, whatever the app's <c>Configure</c> adds: startup filters wrap
/// the app's pipeline, and this one is registered first, so it is outermost.
/// </summary>
internal sealed class FirstMiddlewareStartupFilter(Action<IApplicationBuilder> front) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        front(app);
        next(app);
    };
}
