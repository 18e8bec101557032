using ForkHost.Logging;
using ForkHost.Tests.Infrastructure;

namespace ForkHost.Tests.Edge;

/// <summary>Bad TLS input stops the start before anything is bound: one line naming the option and the file, exit 2.</summary>
public sealed class TlsStartupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("forkhost-tls-input-").FullName;

    [Theory]
    [InlineData("wrong-key", "--keyfile '{key}': the private key does not belong to the certificate in --certfile '{cert}' (CN=localhost); give the key that was made with this certificate")]
    [InlineData("expired", "--certfile '{cert}': the certificate (CN=localhost) expired on ")]
    [InlineData("not-yet-valid", "--certfile '{cert}': the certificate (CN=localhost) is not valid before ")]
    [InlineData("missing-certificate", "--certfile '{missing}' does not exist; give the path of the certificate")]
    [InlineData("missing-key", "--keyfile '{missing}' does not exist; give the path of the private key")]
    [InlineData("no-certificate", "--bind 'https://127.0.0.1:0': an https bind needs a certificate; give --certfile and --keyfile")]
    [InlineData("unknown-option", "--bind 'https://127.0.0.1:0?protocol=http2': unknown option 'protocol'; a bind takes 'protocols' and 'proxy-protocol'")]
    [InlineData("cleartext-alpn", "--bind 'http://127.0.0.1:0?protocols=http1andhttp2': protocols=http1andhttp2 needs TLS")]
    public async Task Bad_tls_input_is_one_line_and_exit_2(string what, string expected)
    {
        TestCertificates.Files good = TestCertificates.Write(_directory, "localhost");
        TestCertificates.Files other = TestCertificates.Write(_directory, "other");
        string missing = Path.Combine(_directory, "missing.pem");
        string bind = "https://127.0.0.1:0";
        (string? cert, string? key) = (good.CertFile, good.KeyFile);
        switch (what)
        {
            case "wrong-key":
                key = other.KeyFile;
                break;
            case "expired":
                (cert, key) = Pair(TestCertificates.Write(_directory, "localhost", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1)));
                break;
            case "not-yet-valid":
                (cert, key) = Pair(TestCertificates.Write(_directory, "localhost", DateTimeOffset.UtcNow.AddDays(1), DateTimeOffset.UtcNow.AddDays(30)));
                break;
            case "missing-certificate":
                cert = missing;
                break;
            case "missing-key":
                key = missing;
                break;
            case "no-certificate":
                (cert, key) = (null, null);
                break;
            case "unknown-option":
                bind += "?protocol=http2";
                break;
            case "cleartext-alpn":
                bind = "http://127.0.0.1:0?protocols=http1andhttp2";
                break;
        }
        string[] tls = cert is null ? [] : ["--certfile", cert, "--keyfile", key!];

        await using var forkhost = ForkHostProcess.Run(RepositoryPaths.HelloApp, ["--bind", bind, .. tls]);

        Assert.Equal(2, await forkhost.WaitForExitAsync());
        string line = Assert.Single(forkhost.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("forkhost: " + expected.Replace("{cert}", cert).Replace("{key}", key).Replace("{missing}", missing), line);
        Assert.Empty(forkhost.EventsWithId(EventIds.SupervisorStarting));
        foreach (string keyFile in (string[])[good.KeyFile, other.KeyFile])
            Assert.DoesNotContain(File.ReadAllLines(keyFile)[1], forkhost.Stdout + forkhost.Stderr);
    }

    private static (string, string) Pair(TestCertificates.Files files) => (files.CertFile, files.KeyFile);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
