using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace ForkHost.Tests.Infrastructure;

/// <summary>HTTPS clients for the TLS tests: every request on a connection of its own, with the certificate it was shown.</summary>
internal static class Https
{
    internal sealed record Answer(HttpStatusCode Status, string Body, string Thumbprint, Version Version);

    /// <summary>
    /// One request on a new TLS connection (a handler of its own: nothing pooled), trusting whatever certificate the
    /// server shows and reporting its thumbprint.
    /// </summary>
    public static async Task<Answer> GetOnNewConnectionAsync(Uri uri, Version? version = null, CancellationToken cancellationToken = default)
    {
        string? thumbprint = null;
        using var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    thumbprint = certificate?.GetCertHashString();
                    return true;
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = version ?? HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (request.Version.Major == 1)
            request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new Answer(response.StatusCode, body, thumbprint ?? "(none)", response.Version);
    }

    /// <summary>A keep-alive client that trusts any certificate (HTTP/2 when asked: one connection, many streams).</summary>
    public static HttpClient CreateTrustingClient(Version? version = null) =>
        new(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        })
        {
            Timeout = TimeSpan.FromSeconds(20),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    /// <summary>curl, as a person would run it: its exit code and what it printed. Stops by itself after 20 s.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(params string[] args)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--silent", "--show-error", "--max-time", "15", .. args])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"curl {string.Join(' ', args)} did not exit within 20 s");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
