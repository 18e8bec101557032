using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using Microsoft.Extensions.Configuration;

namespace ForkHost.Supervisor.Tls;

/// <summary>
/// Reads and checks the certificate for https:// binds, in the supervisor, at start and on every reload (HUP): the
/// files are read here, by the supervisor's user (root can read a key that is 0600 root; workers under --user never
/// need to), and what the workers get is the checked result, in their hello. Where it comes from, first match wins:
/// <list type="number">
/// <item>--certfile PATH and --keyfile PATH (gunicorn's names; any layer: command line, FORKHOST_CERTFILE, the
/// "ForkHost" section), PEM: the certificate first, then its intermediates (certbot's fullchain.pem), and the key
/// (privkey.pem). Without --keyfile the key is looked for in the certificate file.</item>
/// <item>ASP.NET Core's Kestrel:Certificates:Default: Path and KeyPath (PEM, as above), or Path alone for a PKCS#12
/// (.pfx) file; at the top level of appsettings.json as in any ASP.NET Core app, or under "ForkHost" (which is where
/// FORKHOST_KESTREL__CERTIFICATES__DEFAULT__PATH lands), the latter winning.</item>
/// </list>
/// Kestrel:Certificates:Default:Password decrypts an encrypted key (-----BEGIN ENCRYPTED PRIVATE KEY-----) or a PKCS#12
/// file, from either source; there is no command-line form, so it never appears in argv. Relative paths are relative to
/// the working directory. Every failure is one line naming the option, the file and what to do.
/// </summary>
internal static class ServerCertificateLoader
{
    public const string KestrelSection = "Kestrel:Certificates:Default";

    /// <summary>Where the environment puts it: FORKHOST_KESTREL__CERTIFICATES__DEFAULT__PASSWORD.</summary>
    public const string ForkHostKestrelSection = ForkHostOptions.SectionName + ":" + KestrelSection;

    /// <summary>
    /// The most the certificate, key and chain may take in a worker's hello (the channel carries 64 KiB a message, and
    /// the hello also carries the configuration): a few chains' worth, more than any public CA's.
    /// </summary>
    public const int MaxMaterialBytes = 32 * 1024;

    /// <summary>No certificate or key file is this large; anything larger is not one.</summary>
    private const int MaxFileBytes = 1024 * 1024;

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";

    /// <returns>The checked certificate, or null when none is configured.</returns>
    /// <exception cref="UsageException">A file is missing or unreadable, the key does not match, the certificate is not valid at <paramref name="now"/>.</exception>
    public static ServerCertificate? Load(ForkHostOptions options, IConfiguration configuration, DateTimeOffset now)
    {
        if (Source.Of(options, configuration) is not { } source)
            return null;

        byte[] certificateBytes = ReadFile(source.CertificateOption, source.CertificatePath, "certificate (PEM, the certificate first, then its intermediates: certbot's fullchain.pem)");
        string certificateText = Encoding.UTF8.GetString(certificateBytes);
        X509Certificate2? leaf = null;
        var chain = new X509Certificate2Collection();
        try
        {
            if (certificateText.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                leaf = FromPem(source, certificateText, chain);
            }
            else if (source.KeyPath is null)
            {
                leaf = FromPkcs12(source, certificateBytes, chain);
            }
            else
            {
                X509Certificate2 der = ReadDer(source, certificateBytes);
                leaf = WithKey(source, der, ReadKeyText(source));
                der.Dispose();
            }

            CheckValidity(source, leaf, now);
            var material = new X509Certificate2Collection { leaf };
            material.AddRange(chain);
            byte[] pkcs12 = material.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password: null);
            if (pkcs12.Length > MaxMaterialBytes)
                throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}': the certificate, its key and its {chain.Count} intermediates take {pkcs12.Length} bytes, more than the {MaxMaterialBytes} ForkHost sends to each worker; leave out the root certificate and anything that is not the certificate's own chain.");
            return new ServerCertificate(
                source.Description,
                leaf.Subject,
                new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero),
                new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                1 + chain.Count,
                new TlsCertificate(pkcs12, leaf.Thumbprint));
        }
        finally
        {
            leaf?.Dispose();
            foreach (X509Certificate2 certificate in chain)
                certificate.Dispose();
        }
    }

    private static X509Certificate2 FromPem(Source source, string certificateText, X509Certificate2Collection chain)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certificateText);
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}': not a readable PEM certificate ({e.Message.TrimEnd('.')}); give the certificate file (-----BEGIN CERTIFICATE-----), as certbot's fullchain.pem.");
        }
        if (all.Count == 0)
        {
            throw new UsageException(source.KeyPath is null && certificateText.Contains("PRIVATE KEY-----", StringComparison.Ordinal)
                ? $"{source.CertificateOption} '{source.CertificatePath}' holds a private key but no certificate; give the certificate (certbot's fullchain.pem) there and the key as {source.KeyOption}."
                : $"{source.CertificateOption} '{source.CertificatePath}' holds no certificate (-----BEGIN CERTIFICATE-----); give the certificate file, as certbot's fullchain.pem.");
        }
        for (int i = 1; i < all.Count; i++)
            chain.Add(all[i]);
        try
        {
            string keyText = ReadKeyText(source, certificateText);
            return WithKey(source, all[0], keyText);
        }
        finally
        {
            all[0].Dispose();
        }
    }

    private static X509Certificate2 FromPkcs12(Source source, byte[] bytes, X509Certificate2Collection chain)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(bytes, source.Password);
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}': neither a PEM certificate nor a PKCS#12 file that opens{(source.Password is null ? " without a password" : " with Kestrel:Certificates:Default:Password")} ({e.Message.TrimEnd('.')}); give a PEM certificate and its key file, or the PKCS#12 file and its password.");
        }
        X509Certificate2? leaf = all.FirstOrDefault(c => c.HasPrivateKey);
        if (leaf is null)
        {
            foreach (X509Certificate2 certificate in all)
                certificate.Dispose();
            throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}': the PKCS#12 file holds no private key; export the certificate with its key.");
        }
        foreach (X509Certificate2 certificate in all.Where(c => !ReferenceEquals(c, leaf)))
            chain.Add(certificate);
        return leaf;
    }

    private static X509Certificate2 ReadDer(Source source, byte[] bytes)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (CryptographicException e)
        {
            throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}': not a certificate, in PEM or DER ({e.Message.TrimEnd('.')}); give the certificate file, as certbot's fullchain.pem.");
        }
    }

    /// <summary>The key's PEM text: from its own file, or from the certificate's when no key file is given.</summary>
    private static string ReadKeyText(Source source, string? certificateText = null)
    {
        if (source.KeyPath is null)
        {
            if (certificateText is not null && certificateText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
                return certificateText;
            throw new UsageException($"{source.CertificateOption} '{source.CertificatePath}' holds no private key, and no {source.KeyOption} is given; give the key file as {source.KeyOption} PATH (certbot: privkey.pem).");
        }
        string keyText = Encoding.UTF8.GetString(ReadFile(source.KeyOption, source.KeyPath, "private key (PEM: -----BEGIN PRIVATE KEY-----; certbot's privkey.pem)"));
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            throw new UsageException($"{source.KeyOption} '{source.KeyPath}' holds no private key (-----BEGIN PRIVATE KEY-----); give the key file of the certificate (certbot: privkey.pem).");
        return keyText;
    }

    /// <summary>The certificate with its private key, or a line saying why the key is not this certificate's.</summary>
    private static X509Certificate2 WithKey(Source source, X509Certificate2 certificate, string keyText)
    {
        bool encrypted = keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        string keyPlace = source.KeyPath is null ? $"{source.CertificateOption} '{source.CertificatePath}'" : $"{source.KeyOption} '{source.KeyPath}'";
        if (encrypted && source.Password is null)
            throw new UsageException($"{keyPlace}: the private key is encrypted and no password is configured; set Kestrel:Certificates:Default:Password (in the environment FORKHOST_KESTREL__CERTIFICATES__DEFAULT__PASSWORD), or give the key unencrypted.");

        string mismatch = $"{keyPlace}: the private key does not belong to the certificate in {source.CertificateOption} '{source.CertificatePath}' ({certificate.Subject}); give the key that was made with this certificate (certbot: privkey.pem next to fullchain.pem).";
        string Unreadable(Exception e) => $"{keyPlace}: the private key cannot be read as the certificate's {KindOf(certificate)} key ({e.Message.TrimEnd('.')}){(encrypted ? "; check Kestrel:Certificates:Default:Password" : "")}; give the key that was made with this certificate.";

        AsymmetricAlgorithm? key = certificate.GetKeyAlgorithm() switch
        {
            RsaOid => RSA.Create(),
            EcOid => ECDsa.Create(),
            _ => null,
        };
        if (key is null)
        {
            // Another algorithm: .NET's own pairing, which does not say which of its checks failed.
            try
            {
                string certificatePem = certificate.ExportCertificatePem();
                return encrypted
                    ? X509Certificate2.CreateFromEncryptedPem(certificatePem, keyText, source.Password)
                    : X509Certificate2.CreateFromPem(certificatePem, keyText);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                throw new UsageException(Unreadable(e));
            }
        }

        using (key)
        {
            try
            {
                if (encrypted)
                    key.ImportFromEncryptedPem(keyText, source.Password);
                else
                    key.ImportFromPem(keyText);
            }
            catch (ArgumentException)
            {
                // "No supported key formats were found": a key of another kind (an EC key for an RSA certificate).
                throw new UsageException(mismatch);
            }
            catch (CryptographicException e)
            {
                // A PKCS#8 key of another kind reads as a malformed one: say "not this certificate's" when it is that.
                throw new UsageException(IsKeyOfOtherKind(key, keyText, source.Password) ? mismatch : Unreadable(e));
            }
            try
            {
                return key switch
                {
                    RSA rsa => certificate.CopyWithPrivateKey(rsa),
                    ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
                    _ => throw new InvalidOperationException(),
                };
            }
            catch (ArgumentException)
            {
                throw new UsageException(mismatch);
            }
        }
    }

    /// <summary>Whether the key text holds a valid key of the other kind (ECDSA for an RSA certificate, or the reverse).</summary>
    private static bool IsKeyOfOtherKind(AsymmetricAlgorithm expected, string keyText, string? password)
    {
        using AsymmetricAlgorithm other = expected is RSA ? ECDsa.Create() : RSA.Create();
        try
        {
            if (password is null)
                other.ImportFromPem(keyText);
            else
                other.ImportFromEncryptedPem(keyText, password);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static string KindOf(X509Certificate2 certificate) => certificate.GetKeyAlgorithm() switch
    {
        RsaOid => "RSA",
        EcOid => "ECDSA",
        string oid => oid,
    };

    private static void CheckValidity(Source source, X509Certificate2 certificate, DateTimeOffset now)
    {
        DateTime notBefore = certificate.NotBefore.ToUniversalTime();
        DateTime notAfter = certificate.NotAfter.ToUniversalTime();
        string where = $"{source.CertificateOption} '{source.CertificatePath}'";
        if (now.UtcDateTime < notBefore)
            throw new UsageException($"{where}: the certificate ({certificate.Subject}) is not valid before {notBefore:yyyy-MM-dd HH:mm:ss} UTC; check this machine's clock, or give a certificate that is valid now.");
        if (now.UtcDateTime > notAfter)
            throw new UsageException($"{where}: the certificate ({certificate.Subject}) expired on {notAfter:yyyy-MM-dd HH:mm:ss} UTC; renew it (certbot renew), then start or reload (HUP) again.");
    }

    private static byte[] ReadFile(string option, string path, string what)
    {
        string full = Path.GetFullPath(path);
        string named = full == path ? $"{option} '{path}'" : $"{option} '{path}' ({full})";
        if (Directory.Exists(full))
            throw new UsageException($"{named} is a directory; give the {what} file.");
        try
        {
            using FileStream stream = File.OpenRead(full);
            if (stream.Length > MaxFileBytes)
                throw new UsageException($"{named} is {stream.Length} bytes, too large for a {what}; give the right file.");
            var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{named} does not exist; give the path of the {what}.");
        }
        catch (UnauthorizedAccessException)
        {
            throw new UsageException($"{named} cannot be read by this user (uid {Interop.Libc.GetEffectiveUserId()}); run forkhost as a user that may read it (root, with workers under --user: they get the certificate from the supervisor), or let this user read it.");
        }
        catch (IOException e)
        {
            throw new UsageException($"{named} cannot be read: {e.Message.TrimEnd('.')}.");
        }
    }

    private static string? KestrelSetting(IConfiguration configuration, string key) =>
        NonEmpty(configuration[$"{ForkHostKestrelSection}:{key}"]) ?? NonEmpty(configuration[$"{KestrelSection}:{key}"]);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>Where the certificate comes from, with the names its error lines use.</summary>
    private sealed record Source(string CertificateOption, string CertificatePath, string KeyOption, string? KeyPath, string? Password)
    {
        public string Description => KeyPath is null
            ? $"{CertificateOption} {Path.GetFullPath(CertificatePath)}"
            : $"{CertificateOption} {Path.GetFullPath(CertificatePath)}, {KeyOption} {Path.GetFullPath(KeyPath)}";

        /// <summary>Never the password.</summary>
        public override string ToString() => Description;

        public static Source? Of(ForkHostOptions options, IConfiguration configuration)
        {
            string? password = KestrelSetting(configuration, "Password");
            string? certFile = NonEmpty(options.CertFile);
            string? keyFile = NonEmpty(options.KeyFile);
            if (certFile is not null)
                return new Source("--certfile", certFile, "--keyfile", keyFile, password);
            if (keyFile is not null)
                throw new UsageException($"--keyfile '{keyFile}' is given without --certfile; give the certificate too: --certfile PATH (certbot: fullchain.pem).");

            if (KestrelSetting(configuration, "Subject") is not null || KestrelSetting(configuration, "Store") is not null)
                throw new UsageException($"{KestrelSection}: a certificate store (Subject, Store) is not supported on Linux servers; give files: {KestrelSection}:Path and :KeyPath, or --certfile and --keyfile.");
            string? path = KestrelSetting(configuration, "Path");
            string? keyPath = KestrelSetting(configuration, "KeyPath");
            if (path is not null)
                return new Source($"{KestrelSection}:Path", path, $"{KestrelSection}:KeyPath", keyPath, password);
            if (keyPath is not null)
                throw new UsageException($"{KestrelSection}:KeyPath '{keyPath}' is given without {KestrelSection}:Path; give the certificate file too.");
            return null;
        }
    }
}
