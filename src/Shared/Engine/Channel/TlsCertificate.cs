namespace ForkHost.Channel;

/// <summary>
/// A generation's server certificate for its workers' https:// listeners: the certificate with its private key, then
/// the rest of the chain, as one PKCS#12 blob without a password. The supervisor reads and checks the files (it may
/// read what its workers' --user cannot) and sends this in each worker's <see cref="HelloMessage"/>; the key is in no
/// file, argument, environment variable or log line of a worker.
/// </summary>
/// <param name="Pkcs12">The certificate and its key first, then the intermediate certificates to send with it.</param>
/// <param name="Thumbprint">The SHA-1 thumbprint of the certificate, to name it in logs.</param>
internal sealed record TlsCertificate(byte[] Pkcs12, string Thumbprint)
{
    /// <summary>Never the key material: a record prints every member, and its hello may be printed whole one day.</summary>
    public override string ToString() => $"TlsCertificate {{ Thumbprint = {Thumbprint} }}";
}
