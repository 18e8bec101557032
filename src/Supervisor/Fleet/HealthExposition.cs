using System.Text;

namespace ForkHost.Supervisor.Fleet;

/// <summary>
/// The series this supervisor's health gives <c>/metrics</c>: <c>forkhost_live</c> and <c>forkhost_ready</c>, each 1 or
/// 0 exactly as <c>/livez</c> and <c>/readyz</c> answer 200 or 503, so an alert and a probe never disagree.
/// </summary>
internal sealed class HealthExposition(SupervisorHealth health) : IMetricsExposition
{
    public const string PrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

    public string ContentType => PrometheusTextContentType;

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        FleetReadiness readiness = health.Readiness;
        var text = new StringBuilder();
        Gauge(text, "forkhost_live", "1 while the supervisor's arbiter loop turns (GET /livez answers 200).", health.IsLive);
        Gauge(text, "forkhost_ready", "1 while at least --ready-workers workers are ready and the supervisor is not stopping (GET /readyz answers 200).", readiness.IsReady);
        await output.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken);
    }

    private static void Gauge(StringBuilder text, string name, string help, bool value) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" gauge\n")
            .Append(name).Append(' ').Append(value ? '1' : '0').Append('\n');
}
