using System.Security.Cryptography.X509Certificates;
using ForkHost.Channel;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using ForkHost.Worker.Proxies;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ForkHost.Worker.Tls;

/// <summary>
/// Serves each listener as its --bind says, with Kestrel's own pieces: the HTTP versions
/// (<see cref="ListenOptions.Protocols"/>) and TLS (<c>UseHttps</c>, a connection middleware that works on any transport,
/// so on the sockets this worker accepts and on the connections the supervisor dispatches alike), with the generation's
/// certificate from the hello. ALPN offers h2 and http/1.1 as the protocols allow.
/// </summary>
internal sealed class ListenerSetup
{
    private const string DefaultCertificate = "Kestrel:Certificates:Default";

    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2Collection _chain = [];

    public ListenerSetup(TlsCertificate? certificate)
    {
        if (certificate is null)
            return;
        X509Certificate2Collection all = X509CertificateLoader.LoadPkcs12Collection(certificate.Pkcs12, password: null);
        _certificate = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new InvalidOperationException("The supervisor's certificate has no private key.");
        foreach (X509Certificate2 other in all.Where(c => !ReferenceEquals(c, _certificate)))
            _chain.Add(other);
    }

    /// <summary>
    /// Kestrel loads Kestrel:Certificates:Default at start, for endpoints of its own configuration and UseHttps()
    /// without a certificate, neither of which a worker has. An app's own appsettings.json may hold one (the same file as
    /// ForkHost's, when the supervisor runs in the app's folder): its files are the supervisor's to read, and a worker
    /// under --user may not read them, or find them relative to another directory. So the worker's Kestrel is told there
    /// is none; the supervisor has read them already, and sent what they hold.
    /// </summary>
    public static void HideDefaultCertificate(ConfigurationManager configuration)
    {
        if (!configuration.GetSection(DefaultCertificate).GetChildren().Any())
            return;
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{DefaultCertificate}:Path"] = "",
            [$"{DefaultCertificate}:KeyPath"] = "",
            [$"{DefaultCertificate}:Password"] = "",
            [$"{DefaultCertificate}:Subject"] = "",
            [$"{DefaultCertificate}:Store"] = "",
        });
    }

    public void Apply(ListenOptions listen, ReceivedListener listener)
    {
        ListenerSettings settings = listener.Settings;
        listen.Protocols = settings.Protocols switch
        {
            ListenerProtocols.Http2 => HttpProtocols.Http2,
            ListenerProtocols.Http1AndHttp2 => HttpProtocols.Http1AndHttp2,
            _ => HttpProtocols.Http1,
        };
        // Before TLS: the balancer's header precedes the client's handshake.
        if (settings.ProxyProtocol)
        {
            ILogger logger = listen.KestrelServerOptions.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ForkHost.Worker.Proxies");
            listen.Use(next => new ProxyProtocolMiddleware(next, logger).OnConnectionAsync);
        }
        if (!settings.Tls)
            return;
        if (_certificate is null)
            throw new InvalidOperationException($"{listener.Address} is https, but the supervisor sent no certificate.");
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = _certificate,
            // The intermediates the certificate file carried (fullchain.pem), sent with the certificate in every handshake.
            ServerCertificateChain = _chain,
        });
    }
}
