using System.Globalization;
using System.Text.RegularExpressions;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Fleet;
using ForkHost.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace ForkHost.Tests.Configuration;

/// <summary>
/// The recipes in deploy/kubernetes/ and deploy/haproxy/ agree with the options they pass: probes on the
/// --metrics-bind port and the right paths, the Service on the --bind port, --replicas as the Deployment's replicas, and
/// a grace period that covers --shutdown-delay + --graceful-timeout + a margin.
/// </summary>
public sealed partial class DeployRecipeTests
{
    /// <summary>For the supervisor's own exit after the drain, and a worker's SIGKILL grace.</summary>
    private const double GraceMarginSeconds = 5;

    private static readonly string Deploy = Path.Combine(RepositoryPaths.Root, "deploy");

    [Fact]
    public void The_kubernetes_deployment_probes_the_supervisors_endpoint_and_its_grace_period_covers_the_stop_sequence()
    {
        YamlMappingNode deployment = LoadSingle(Path.Combine(Deploy, "kubernetes", "deployment.yaml"));
        Assert.Equal("Deployment", Scalar(deployment, "kind"));
        YamlMappingNode spec = Map(deployment, "spec");
        YamlMappingNode pod = Map(Map(spec, "template"), "spec");
        YamlMappingNode container = Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(pod, "containers")));
        IReadOnlyDictionary<string, string> options = OptionsOf(Sequence(container, "args").Select(a => ((YamlScalarNode)a).Value!).ToList());

        int metricsPort = PortOf(options["metrics-bind"]);
        Assert.NotEqual(PortOf(options["bind"]), metricsPort);
        foreach ((string probe, string path) in new[] { ("startupProbe", FleetEndpoint.ReadinessPath), ("readinessProbe", FleetEndpoint.ReadinessPath), ("livenessProbe", FleetEndpoint.LivenessPath) })
        {
            YamlMappingNode httpGet = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Scalar(httpGet, "path"));
            Assert.True(ResolvePort(container, Scalar(httpGet, "port")) == metricsPort, $"{probe} probes port {Scalar(httpGet, "port")}, not --metrics-bind's {metricsPort}");
        }

        double delay = Seconds(options["shutdown-delay"]);
        double graceful = Seconds(options["graceful-timeout"]);
        double grace = Seconds(Scalar(pod, "terminationGracePeriodSeconds"));
        Assert.True(delay > 0, "the recipe shows --shutdown-delay");
        Assert.True(grace >= delay + graceful + GraceMarginSeconds,
            $"terminationGracePeriodSeconds {grace} < --shutdown-delay {delay} + --graceful-timeout {graceful} + {GraceMarginSeconds} s margin");

        Assert.Equal(Scalar(spec, "replicas"), options["replicas"]);
        YamlMappingNode requests = Map(Map(container, "resources"), "requests");
        Assert.NotNull(Scalar(requests, "cpu"));
        Assert.NotNull(Scalar(requests, "memory"));

        YamlMappingNode service = LoadSingle(Path.Combine(Deploy, "kubernetes", "service.yaml"));
        Assert.Equal("Service", Scalar(service, "kind"));
        YamlMappingNode servicePort = Assert.IsType<YamlMappingNode>(Assert.Single(Sequence(Map(service, "spec"), "ports")));
        Assert.Equal(PortOf(options["bind"]), ResolvePort(container, Scalar(servicePort, "targetPort")));
        Assert.Equal(
            ((YamlMappingNode)Map(Map(Map(spec, "template"), "metadata"), "labels")).Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString()),
            Map(Map(service, "spec"), "selector").Children.ToDictionary(p => p.Key.ToString(), p => p.Value.ToString()));
    }

    [Fact]
    public void The_haproxy_backend_checks_readyz_on_the_metrics_port_and_marks_a_stopping_supervisor_down_within_the_delay()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Deploy, "haproxy", "haproxy.cfg"));
        string commandLine = Assert.Single(lines, l => l.TrimStart('#', ' ').StartsWith("forkhost run ", StringComparison.Ordinal));
        IReadOnlyDictionary<string, string> options = OptionsOf(commandLine.TrimStart('#', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList());
        int bindPort = PortOf(options["bind"]);
        int metricsPort = PortOf(options["metrics-bind"]);

        var backend = lines.SkipWhile(l => !l.StartsWith("backend ", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => l.StartsWith(' ') || l.Length == 0).Select(l => l.Trim()).ToList();
        Assert.Contains($"option httpchk GET {FleetEndpoint.ReadinessPath}", backend);
        Assert.Contains("http-check expect status 200", backend);

        var servers = backend.Where(l => l.StartsWith("server ", StringComparison.Ordinal)).ToList();
        Assert.True(servers.Count >= 2, "a backend of several supervisors");
        foreach (string server in servers)
        {
            Match match = ServerLine().Match(server);
            Assert.True(match.Success, $"'{server}' is not 'server NAME HOST:PORT check port PORT'");
            Assert.Equal(bindPort, int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture));
            Assert.Equal(metricsPort, int.Parse(match.Groups["check"].Value, CultureInfo.InvariantCulture));
        }

        Match timing = CheckTiming().Match(Assert.Single(backend, l => l.StartsWith("default-server ", StringComparison.Ordinal)));
        double downAfter = int.Parse(timing.Groups["inter"].Value, CultureInfo.InvariantCulture) * int.Parse(timing.Groups["fall"].Value, CultureInfo.InvariantCulture);
        Assert.True(Seconds(options["shutdown-delay"]) > downAfter,
            $"--shutdown-delay {options["shutdown-delay"]} s does not outlast HAProxy's {downAfter} s to mark a server down");
    }

    /// <summary>"--name value" pairs, each name a declared run option (a typo in a recipe fails here).</summary>
    private static IReadOnlyDictionary<string, string> OptionsOf(IReadOnlyList<string> args)
    {
        var declared = RunCommandLine.Options.Select(o => o.Name).ToHashSet();
        var options = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                continue;
            string name = args[i][2..];
            Assert.True(declared.Contains(name), $"--{name} is not a forkhost run option");
            options[name] = args[i + 1];
            i++;
        }
        return options;
    }

    private static int PortOf(string hostAndPort) =>
        Supervisor.Listeners.BindAddress.Parse(hostAndPort).TcpEndPoint!.Port;

    /// <summary>A probe's or Service's port: a number, or the name of one of the container's ports.</summary>
    private static int ResolvePort(YamlMappingNode container, string? port) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : int.Parse(Scalar(Sequence(container, "ports").Cast<YamlMappingNode>().Single(p => Scalar(p, "name") == port), "containerPort")!, CultureInfo.InvariantCulture);

    private static double Seconds(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);

    private static YamlMappingNode LoadSingle(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) => Assert.IsType<YamlSequenceNode>(node.Children[new YamlScalarNode(key)]);

    private static string? Scalar(YamlMappingNode node, string key) => Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value;

    [GeneratedRegex(@"^server \S+ [^\s:]+:(?<port>\d+) check port (?<check>\d+)")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"inter (?<inter>\d+)s fall (?<fall>\d+)")]
    private static partial Regex CheckTiming();
}
