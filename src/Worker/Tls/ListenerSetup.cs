using System.Security.Cryptography.X509Certificates;
using ForkHost.Channel;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace ForkHost.Worker.Tls;

/// <summary>
/// Serves each listener as its --bind says, with Kestrel's own pieces: the HTTP versions
/// (<see cref="ListenOptions.Protocols"/>) and TLS (<c>UseHttps</c>, a connection middleware that works on any transport,
/// so on the sockets this worker accepts and on the connections the supervisor dispatches alike), with the generation's
/// certificate from the hello. ALPN offers h2 and http/1.1 as the protocols allow.
/// </summary>
internal sealed class ListenerSetup
{
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

    public void Apply(ListenOptions listen, ReceivedListener listener)
    {
        ListenerSettings settings = listener.Settings;
        listen.Protocols = settings.Protocols switch
        {
            ListenerProtocols.Http2 => HttpProtocols.Http2,
            ListenerProtocols.Http1AndHttp2 => HttpProtocols.Http1AndHttp2,
            _ => HttpProtocols.Http1,
        };
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
