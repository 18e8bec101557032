using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ForkHost.Tests.Infrastructure;

/// <summary>
/// Throwaway self-signed server certificates for localhost and 127.0.0.1, made in the test (never a committed key) and
/// written as PEM files the way certbot leaves them: the certificate (chain) in one file, the key in another, mode 600.
/// </summary>
internal static class TestCertificates
{
    internal sealed record Files(string CertFile, string KeyFile, string Thumbprint, DateTimeOffset NotAfter);

    /// <summary>A certificate valid from <paramref name="notBefore"/> (default: an hour ago) to <paramref name="notAfter"/> (default: in 90 days).</summary>
    public static Files Write(string directory, string name, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, bool rsa = false)
    {
        DateTimeOffset from = notBefore ?? DateTimeOffset.UtcNow.AddHours(-1);
        DateTimeOffset until = notAfter ?? DateTimeOffset.UtcNow.AddDays(90);
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CertificateRequest request = key is RSA rsaKey
            ? new CertificateRequest($"CN={name}", rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={name}", (ECDsa)key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 certificate = request.CreateSelfSigned(from, until);

        string certFile = Path.Combine(directory, $"{name}.crt.pem");
        string keyFile = Path.Combine(directory, $"{name}.key.pem");
        File.WriteAllText(certFile, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new Files(certFile, keyFile, certificate.Thumbprint, until);
    }

    /// <summary>
    /// Puts <paramref name="files"/> in place at <paramref name="certFile"/> and <paramref name="keyFile"/> as a renewal
    /// does: each written beside its target and renamed over it, so a reader sees the old file or the new one, whole.
    /// </summary>
    public static void Install(Files files, string certFile, string keyFile)
    {
        foreach ((string from, string to) in (ReadOnlySpan<(string, string)>)[(files.KeyFile, keyFile), (files.CertFile, certFile)])
        {
            string next = to + ".next";
            File.Copy(from, next, overwrite: true);
            File.Move(next, to, overwrite: true);
        }
    }
}
