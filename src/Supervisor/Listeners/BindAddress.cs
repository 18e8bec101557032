using System.Globalization;
using System.Net;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;

namespace ForkHost.Supervisor.Listeners;

/// <summary>
/// One --bind value: a TCP endpoint or a unix socket path, and how it is served (<see cref="Settings"/>): plain
/// HOST:PORT and unix:/path, or the URL forms http://… and https://… (https://HOST:PORT, https://unix:/path), each
/// optionally followed by per-bind options as a query string, ?protocols=http1|http2|http1andhttp2&amp;proxy-protocol.
/// Parsed here once, for the validator, the binder, a USR2 successor and the workers alike.
/// </summary>
internal sealed record BindAddress(string Text, IPEndPoint? TcpEndPoint, string? UnixPath)
{
    public const string UnixPrefix = "unix:";
    public const string HttpScheme = "http://";
    public const string HttpsScheme = "https://";

    /// <summary>The query keys a --bind may carry; anything else is refused.</summary>
    public static readonly IReadOnlyList<string> OptionNames = ["protocols", "proxy-protocol"];

    /// <summary>TLS, HTTP versions and PROXY protocol, as the workers are to serve this address.</summary>
    public ListenerSettings Settings { get; init; } = ListenerSettings.Http;

    /// <param name="option">How error messages name the setting: --bind, or --metrics-bind, which takes the same TCP forms.</param>
    /// <param name="urlForms">Whether http://, https:// and ?options are accepted (--bind), or HOST:PORT and unix:/path only.</param>
    public static BindAddress Parse(string text, string option = "--bind", bool urlForms = true)
    {
        string rest = text;
        bool? tls = null;
        string? query = null;
        if (urlForms)
        {
            if (rest.StartsWith(HttpsScheme, StringComparison.OrdinalIgnoreCase))
                (tls, rest) = (true, rest[HttpsScheme.Length..]);
            else if (rest.StartsWith(HttpScheme, StringComparison.OrdinalIgnoreCase))
                (tls, rest) = (false, rest[HttpScheme.Length..]);
            int question = rest.IndexOf('?');
            if (question >= 0)
                (rest, query) = (rest[..question], rest[(question + 1)..]);
        }
        else if (text.Contains("://", StringComparison.Ordinal) || text.Contains('?'))
        {
            throw new UsageException($"{option} '{text}': expected HOST:PORT (127.0.0.1:9100, [::1]:9100), without a scheme or options; this endpoint is plain HTTP.");
        }

        ListenerSettings settings = ParseOptions(text, option, tls ?? false, query);
        BindAddress address = ParseAddress(text, rest, option, urlForms);
        return address with { Settings = settings };
    }

    /// <summary>
    /// How a socket handed in by systemd is served, from its FileDescriptorName= (which --bind does not cover under
    /// socket activation): "https", or "https?…"/"http?…" with the options --bind takes, as in
    /// FileDescriptorName=https?protocols=http2; any other name (web, http, the default fdN) is plain HTTP.
    /// </summary>
    public static ListenerSettings SettingsOfSocketName(string name)
    {
        string option = $"socket activation (FileDescriptorName={name})";
        if (name.Equals("https", StringComparison.OrdinalIgnoreCase))
            return ListenerSettings.Https;
        if (name.StartsWith("https?", StringComparison.OrdinalIgnoreCase))
            return ParseOptions(name, option, tls: true, name["https?".Length..]);
        if (name.StartsWith("http?", StringComparison.OrdinalIgnoreCase))
            return ParseOptions(name, option, tls: false, name["http?".Length..]);
        return ListenerSettings.Http;
    }

    private static BindAddress ParseAddress(string text, string rest, string option, bool urlForms)
    {
        string forms = urlForms
            ? "HOST:PORT (127.0.0.1:8000, [::1]:8000, 0.0.0.0:0), unix:/path, or either after http:// or https://"
            : "HOST:PORT (127.0.0.1:8000, [::1]:8000, 0.0.0.0:0) or unix:/path";
        if (rest.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = rest[UnixPrefix.Length..];
            if (path.Length == 0 || !Path.IsPathFullyQualified(path))
                throw new UsageException($"{option} '{text}': a unix socket needs an absolute path, as in unix:/run/forkhost/app.sock.");
            return new BindAddress(text, null, path);
        }

        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1)
            throw new UsageException($"{option} '{text}': expected {forms}.");

        string host = rest[..colon];
        string portText = rest[(colon + 1)..];
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

    /// <summary>
    /// The query string: protocols=http1|http2|http1andhttp2 (Kestrel's HttpProtocols; the default is http1andhttp2 on
    /// https, by ALPN, and http1 on cleartext, where protocols=http2 is h2c with prior knowledge), and proxy-protocol
    /// (a flag, or =true|false). A key given twice, an unknown key or value, is refused.
    /// </summary>
    private static ListenerSettings ParseOptions(string text, string option, bool tls, string? query)
    {
        ListenerProtocols? protocols = null;
        bool proxyProtocol = false;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in (query ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=');
            string key = equals < 0 ? pair : pair[..equals];
            string? value = equals < 0 ? null : pair[(equals + 1)..];
            if (!OptionNames.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new UsageException($"{option} '{text}': unknown option '{key}'; a bind takes {string.Join(" and ", OptionNames.Select(o => $"'{o}'"))}, as in https://0.0.0.0:8443?protocols=http2.");
            if (!seen.Add(key))
                throw new UsageException($"{option} '{text}': option '{key}' is given twice.");
            if (key.Equals("protocols", StringComparison.OrdinalIgnoreCase))
            {
                protocols = value?.ToLowerInvariant() switch
                {
                    "http1" => ListenerProtocols.Http1,
                    "http2" => ListenerProtocols.Http2,
                    "http1andhttp2" => ListenerProtocols.Http1AndHttp2,
                    _ => throw new UsageException($"{option} '{text}': protocols must be http1, http2 or http1andhttp2 (got '{value}')."),
                };
            }
            else
            {
                proxyProtocol = value?.ToLowerInvariant() switch
                {
                    null or "" or "true" => true,
                    "false" => false,
                    _ => throw new UsageException($"{option} '{text}': proxy-protocol is a flag: proxy-protocol, proxy-protocol=true or proxy-protocol=false (got '{value}')."),
                };
            }
        }

        if (!tls && protocols == ListenerProtocols.Http1AndHttp2)
            throw new UsageException($"{option} '{text}': protocols=http1andhttp2 needs TLS, where ALPN chooses the version; use https://, or protocols=http2 for cleartext HTTP/2 (h2c with prior knowledge, as gRPC behind a proxy speaks it).");
        return new ListenerSettings(tls, protocols ?? (tls ? ListenerProtocols.Http1AndHttp2 : ListenerProtocols.Http1), proxyProtocol);
    }

    public override string ToString() => Text;
}
