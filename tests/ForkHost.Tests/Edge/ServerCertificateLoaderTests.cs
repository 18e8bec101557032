using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Generations;
using ForkHost.Supervisor.Tls;
using ForkHost.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ForkHost.Tests.Edge;

/// <summary>Where the certificate comes from and what the supervisor accepts, in-process (the process-level lines are TlsStartupTests').</summary>
public sealed class ServerCertificateLoaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-certificates-").FullName;

    [Fact]
    public void The_intermediates_after_the_certificate_go_to_the_workers_with_it()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 leaf = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA256)
            .Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3, 4]);
        string fullchain = Write("fullchain.pem", leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
        string privkey = Write("privkey.pem", leafKey.ExportPkcs8PrivateKeyPem());

        ServerCertificate certificate = Load(new ForkHostOptions { CertFile = fullchain, KeyFile = privkey })!;

        Assert.Equal("CN=leaf", certificate.Subject);
        Assert.Equal(2, certificate.ChainLength);
        X509Certificate2Collection sent = X509CertificateLoader.LoadPkcs12Collection(certificate.Material.Pkcs12, null);
        Assert.Equal([leaf.Thumbprint, ca.Thumbprint], sent.Select(c => c.Thumbprint));
        Assert.True(sent[0].HasPrivateKey);
        Assert.False(sent[1].HasPrivateKey);
        Assert.Equal(leaf.Thumbprint, certificate.Thumbprint);
        Assert.DoesNotContain("PRIVATE", certificate.ToString());
    }

    [Fact]
    public void A_key_in_the_certificate_file_needs_no_keyfile()
    {
        TestCertificates.Files files = TestCertificates.Write(_directory, "combined", rsa: true);
        string combined = Write("combined.pem", File.ReadAllText(files.CertFile) + File.ReadAllText(files.KeyFile));

        Assert.Equal(files.Thumbprint, Load(new ForkHostOptions { CertFile = combined })!.Thumbprint);
        Assert.Contains("holds no private key, and no --keyfile is given", Assert.Throws<UsageException>(() => Load(new ForkHostOptions { CertFile = files.CertFile })).Message);
    }

    [Fact]
    public void Kestrel_certificates_default_takes_pem_files_an_encrypted_key_or_a_pfx_with_its_password()
    {
        using var key = RSA.Create(2048);
        using X509Certificate2 certificate = new CertificateRequest("CN=kestrel", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        string pem = Write("kestrel.pem", certificate.ExportCertificatePem());
        string encrypted = Write("kestrel.key", key.ExportEncryptedPkcs8PrivateKeyPem("s3cret",
            new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        string pfx = Path.Combine(_directory, "kestrel.pfx");
        File.WriteAllBytes(pfx, certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, "s3cret"));

        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Certificates:Default:Path"] = pem,
            ["Kestrel:Certificates:Default:KeyPath"] = encrypted,
            ["Kestrel:Certificates:Default:Password"] = "s3cret",
        };
        Assert.Equal(certificate.Thumbprint, Load(new ForkHostOptions(), settings)!.Thumbprint);

        settings["Kestrel:Certificates:Default:Password"] = null;
        Assert.Contains("the private key is encrypted and no password is configured", Assert.Throws<UsageException>(() => Load(new ForkHostOptions(), settings)).Message);
        // From the environment (FORKHOST_KESTREL__CERTIFICATES__DEFAULT__PASSWORD lands under "ForkHost"), over the file.
        settings["ForkHost:Kestrel:Certificates:Default:Password"] = "s3cret";
        Assert.Equal(certificate.Thumbprint, Load(new ForkHostOptions(), settings)!.Thumbprint);

        var pfxSettings = new Dictionary<string, string?>
        {
            ["Kestrel:Certificates:Default:Path"] = pfx,
            ["Kestrel:Certificates:Default:Password"] = "s3cret",
        };
        Assert.Equal(certificate.Thumbprint, Load(new ForkHostOptions(), pfxSettings)!.Thumbprint);
        pfxSettings["Kestrel:Certificates:Default:Password"] = "wrong";
        Assert.Contains("a PKCS#12 file that opens with Kestrel:Certificates:Default:Password", Assert.Throws<UsageException>(() => Load(new ForkHostOptions(), pfxSettings)).Message);
    }

    [Fact]
    public void Certfile_and_keyfile_win_over_kestrel_certificates_default()
    {
        TestCertificates.Files options = TestCertificates.Write(_directory, "options");
        TestCertificates.Files kestrel = TestCertificates.Write(_directory, "kestrel");
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Certificates:Default:Path"] = kestrel.CertFile,
            ["Kestrel:Certificates:Default:KeyPath"] = kestrel.KeyFile,
        };

        Assert.Equal(options.Thumbprint, Load(new ForkHostOptions { CertFile = options.CertFile, KeyFile = options.KeyFile }, settings)!.Thumbprint);
        Assert.Equal(kestrel.Thumbprint, Load(new ForkHostOptions(), settings)!.Thumbprint);
        Assert.Null(Load(new ForkHostOptions()));
        Assert.Contains("--keyfile '/x.pem' is given without --certfile", Assert.Throws<UsageException>(() => Load(new ForkHostOptions { KeyFile = "/x.pem" })).Message);
        Assert.Contains("a certificate store (Subject, Store) is not supported",
            Assert.Throws<UsageException>(() => Load(new ForkHostOptions(), new Dictionary<string, string?> { ["Kestrel:Certificates:Default:Subject"] = "localhost" })).Message);
    }

    [Fact]
    public void A_key_of_another_kind_or_a_key_file_without_a_key_is_refused_naming_the_file()
    {
        TestCertificates.Files rsa = TestCertificates.Write(_directory, "rsa", rsa: true);
        TestCertificates.Files ec = TestCertificates.Write(_directory, "ec");

        Assert.Contains($"--keyfile '{ec.KeyFile}': the private key does not belong to the certificate in --certfile '{rsa.CertFile}'",
            Assert.Throws<UsageException>(() => Load(new ForkHostOptions { CertFile = rsa.CertFile, KeyFile = ec.KeyFile })).Message);
        Assert.Contains($"--keyfile '{rsa.CertFile}' holds no private key",
            Assert.Throws<UsageException>(() => Load(new ForkHostOptions { CertFile = rsa.CertFile, KeyFile = rsa.CertFile })).Message);
        Assert.Contains($"--certfile '{_directory}' is a directory",
            Assert.Throws<UsageException>(() => Load(new ForkHostOptions { CertFile = _directory, KeyFile = rsa.KeyFile })).Message);
    }

    [Fact]
    public async Task Workers_get_no_certificate_settings_in_their_configuration()
    {
        TestCertificates.Files files = TestCertificates.Write(_directory, "localhost");
        string config = Write("forkhost.json", $$"""
            { "Kestrel": { "Certificates": { "Default": { "Path": "{{files.CertFile}}", "KeyPath": "{{files.KeyFile}}", "Password": "unused" } } },
              "Hello": { "Greeting": "hi" } }
            """);
        string[] args = ["--app", RepositoryPaths.HelloApp, "--bind", "https://127.0.0.1:0", "--config", config];
        RunSettings run = RunSettingsLoader.Load(args);
        Assert.Equal(files.Thumbprint, run.Generation.Certificate!.Thumbprint);

        var loader = new GenerationLoader(args, ForkHost.Apps.AppSource.FromAssemblyFile(ForkHost.Apps.AppLoader.Load), run.Process, null, NullLoggerFactory.Instance);
        GenerationLoadResult result = await loader.LoadAsync(1, run.Generation, run.Configuration, CancellationToken.None);

        IReadOnlyDictionary<string, string?> sent = result.Loaded!.App.Settings;
        Assert.Equal("hi", sent["Hello:Greeting"]);
        Assert.DoesNotContain(sent, pair => pair.Key.Contains("Certificates", StringComparison.OrdinalIgnoreCase));
    }

    private ServerCertificate? Load(ForkHostOptions options, Dictionary<string, string?>? settings = null) =>
        ServerCertificateLoader.Load(options, new ConfigurationBuilder().AddInMemoryCollection(settings ?? []).Build(), DateTimeOffset.UtcNow);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
