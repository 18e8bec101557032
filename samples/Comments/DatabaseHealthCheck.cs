using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Comments;

/// <summary>
/// <c>GET /healthz</c>'s database check: one round trip on a session of this worker's own pool. Never a session
/// inherited from the supervisor (--inherit fork): a probe must not take part in the bug the demo shows. A failure
/// (an exception, or the check's timeout) is reported Unhealthy, 503.
/// </summary>
internal sealed class DatabaseHealthCheck(CommentsDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        await database.PingAsync(cancellationToken);
        return HealthCheckResult.Healthy($"MySQL answered in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
    }
}
