using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace ForkHost.Worker.Proxies;

/// <summary>
/// --forwarded-allow-ips as ASP.NET Core's forwarded-headers middleware takes it: X-Forwarded-For, -Proto and -Host
/// are applied only when the peer (the connection's address, or the client a PROXY header named) is one of these, and
/// a chain of them is walked from the nearest hop until the first peer that is not (ForwardLimit off).
/// </summary>
internal static class ForwardedHeadersPolicy
{
    public static ForwardedHeadersOptions For(IReadOnlyList<string>? allowed)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        allowed ??= ["127.0.0.1", "::1"];
        // Both lists empty is the middleware's "trust every peer": gunicorn's "*".
        if (allowed.Contains("*"))
            return options;
        foreach (string entry in allowed)
        {
            if (IPAddress.TryParse(entry, out IPAddress? address))
                options.KnownProxies.Add(address);
            else
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
        }
        return options;
    }
}
