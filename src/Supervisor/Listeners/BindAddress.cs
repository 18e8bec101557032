using System.Globalization;
using System.Net;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Listeners;

/// <summary>One --bind value: a TCP endpoint or a unix socket path.</summary>
internal sealed record BindAddress(string Text, IPEndPoint? TcpEndPoint, string? UnixPath)
{
    public const string UnixPrefix = "unix:";

    /// <param name="option">How error messages name the setting: --bind, or --metrics-bind, which takes the same TCP forms.</param>
    public static BindAddress Parse(string text, string option = "--bind")
    {
        if (text.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = text[UnixPrefix.Length..];
            if (path.Length == 0 || !Path.IsPathFullyQualified(path))
                throw new UsageException($"{option} '{text}': a unix socket needs an absolute path, as in unix:/run/forkhost/app.sock.");
            return new BindAddress(text, null, path);
        }

        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new UsageException($"{option} '{text}': expected HOST:PORT (127.0.0.1:8000, [::1]:8000, 0.0.0.0:0) or unix:/path.");

        string host = text[..colon];
        string portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
            throw new UsageException($"{option} '{text}': port '{portText}' is not a number from 0 to 65535.");

        IPAddress address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ when host.StartsWith('[') && host.EndsWith(']') && IPAddress.TryParse(host[1..^1], out IPAddress? v6) => v6,
            _ when !host.Contains(':') && IPAddress.TryParse(host, out IPAddress? v4) && host.Count(c => c == '.') == 3 => v4,
            _ => throw new UsageException($"{option} '{text}': host '{host}' is not an IP address (write IPv6 as [::1], all interfaces as 0.0.0.0 or [::])."),
        };
        return new BindAddress(text, new IPEndPoint(address, port), null);
    }

    public override string ToString() => Text;
}
