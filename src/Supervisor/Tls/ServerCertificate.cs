using ForkHost.Channel;

namespace ForkHost.Supervisor.Tls;

/// <summary>
/// A generation's server certificate, read and checked by <see cref="ServerCertificateLoader"/>: what the supervisor
/// logs about it, and what it sends to each worker (<see cref="Material"/>). Holds no file handle and no open key:
/// a reload (HUP) reads the files again into a new one.
/// </summary>
/// <param name="Source">Where it came from, for log lines: "--certfile /etc/letsencrypt/live/x/fullchain.pem".</param>
/// <param name="Subject">The certificate's subject, as CN=example.org.</param>
/// <param name="NotBefore">Valid from (UTC).</param>
/// <param name="NotAfter">Valid until (UTC).</param>
/// <param name="ChainLength">Certificates sent to clients: the certificate and its intermediates.</param>
/// <param name="Material">The certificate, its key and its chain, for the workers' hello.</param>
internal sealed record ServerCertificate(
    string Source,
    string Subject,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    int ChainLength,
    TlsCertificate Material)
{
    /// <summary>A certificate this close to its end gets a warning at start and on every reload.</summary>
    public static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(14);

    public string Thumbprint => Material.Thumbprint;

    public bool ExpiresSoon(DateTimeOffset now) => NotAfter - now < ExpiryWarning;

    /// <summary>Never the key: names the certificate only.</summary>
    public override string ToString() => $"{Subject} (thumbprint {Thumbprint}, valid until {NotAfter:u}, from {Source})";
}
