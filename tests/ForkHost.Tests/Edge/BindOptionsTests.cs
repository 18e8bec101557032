using System.Net;
using ForkHost.Channel;
using ForkHost.Supervisor.Configuration;
using ForkHost.Supervisor.Listeners;

namespace ForkHost.Tests.Edge;

/// <summary>The --bind forms and their options, parsed once (<see cref="BindAddress"/>) for everybody.</summary>
public sealed class BindOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:8000", false, "Http1")]
    [InlineData("http://127.0.0.1:8000", false, "Http1")]
    [InlineData("http://127.0.0.1:8000?protocols=http2", false, "Http2")]
    [InlineData("https://127.0.0.1:8443", true, "Http1AndHttp2")]
    [InlineData("https://[::1]:8443?protocols=http1", true, "Http1")]
    [InlineData("HTTPS://0.0.0.0:0?PROTOCOLS=HTTP2", true, "Http2")]
    public void Tcp_forms_parse_with_their_settings(string text, bool tls, string protocolsName)
    {
        var protocols = Enum.Parse<ListenerProtocols>(protocolsName);
        BindAddress bind = BindAddress.Parse(text);
        Assert.NotNull(bind.TcpEndPoint);
        Assert.Equal(new ListenerSettings(tls, protocols), bind.Settings);
        Assert.Equal(text, bind.Text);
    }

    [Theory]
    [InlineData("unix:/run/app.sock", false, "Http1")]
    [InlineData("http://unix:/run/app.sock?protocols=http2", false, "Http2")]
    [InlineData("https://unix:/run/app.sock", true, "Http1AndHttp2")]
    public void Unix_forms_parse_with_their_settings(string text, bool tls, string protocolsName)
    {
        var protocols = Enum.Parse<ListenerProtocols>(protocolsName);
        BindAddress bind = BindAddress.Parse(text);
        Assert.Equal("/run/app.sock", bind.UnixPath);
        Assert.Equal(new ListenerSettings(tls, protocols), bind.Settings);
    }

    [Fact]
    public void Proxy_protocol_is_a_flag_carried_with_the_listener()
    {
        Assert.True(BindAddress.Parse("https://127.0.0.1:1?proxy-protocol&protocols=http2").Settings.ProxyProtocol);
        Assert.True(BindAddress.Parse("127.0.0.1:1?proxy-protocol=true").Settings.ProxyProtocol);
        Assert.False(BindAddress.Parse("127.0.0.1:1?proxy-protocol=false").Settings.ProxyProtocol);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1), BindAddress.Parse("127.0.0.1:1?proxy-protocol").TcpEndPoint);
    }

    [Theory]
    [InlineData("https://127.0.0.1:1?protocol=http2", "unknown option 'protocol'")]
    [InlineData("https://127.0.0.1:1?protocols=h3", "protocols must be http1, http2 or http1andhttp2 (got 'h3')")]
    [InlineData("https://127.0.0.1:1?protocols=http2&protocols=http1", "option 'protocols' is given twice")]
    [InlineData("http://127.0.0.1:1?protocols=http1andhttp2", "needs TLS")]
    [InlineData("127.0.0.1:1?proxy-protocol=maybe", "proxy-protocol is a flag")]
    [InlineData("https://unix:relative.sock", "absolute path")]
    [InlineData("https://8443", "expected HOST:PORT")]
    public void Bad_options_say_what_to_write(string text, string expected)
    {
        string message = Assert.Throws<UsageException>(() => BindAddress.Parse(text)).Message;
        Assert.StartsWith($"--bind '{text}': ", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void The_metrics_endpoint_takes_neither_a_scheme_nor_options()
    {
        Assert.Contains("without a scheme or options", Assert.Throws<UsageException>(() => Supervisor.Fleet.FleetListener.ParseAddress("https://127.0.0.1:9100")).Message);
        Assert.Contains("without a scheme or options", Assert.Throws<UsageException>(() => Supervisor.Fleet.FleetListener.ParseAddress("127.0.0.1:9100?protocols=http2")).Message);
    }

    [Theory]
    [InlineData("https", true, "Http1AndHttp2")]
    [InlineData("https?protocols=http2", true, "Http2")]
    [InlineData("http?protocols=http2", false, "Http2")]
    [InlineData("http", false, "Http1")]
    [InlineData("web", false, "Http1")]
    public void A_socket_activated_socket_is_served_as_its_name_says(string name, bool tls, string protocols) =>
        Assert.Equal(new ListenerSettings(tls, Enum.Parse<ListenerProtocols>(protocols)), BindAddress.SettingsOfSocketName(name));

    [Fact]
    public void The_listener_address_names_the_scheme()
    {
        Assert.Equal("https://127.0.0.1:8443", Listener.DescribeAddress(new IPEndPoint(IPAddress.Loopback, 8443), tls: true));
        Assert.Equal("https://[::1]:8443", Listener.DescribeAddress(new IPEndPoint(IPAddress.IPv6Loopback, 8443), tls: true));
        Assert.Equal("http://127.0.0.1:80", Listener.DescribeAddress(new IPEndPoint(IPAddress.Loopback, 80)));
        Assert.Equal("https://unix:/run/a.sock", Listener.DescribeAddress(new System.Net.Sockets.UnixDomainSocketEndPoint("/run/a.sock"), tls: true));
        Assert.Equal("unix:/run/a.sock", Listener.DescribeAddress(new System.Net.Sockets.UnixDomainSocketEndPoint("/run/a.sock")));
    }

    [Fact]
    public void Listener_settings_and_the_certificate_cross_the_channel_and_the_key_is_never_printed()
    {
        var certificate = new TlsCertificate([1, 2, 3, 4], "AB12");
        var hello = new HelloMessage(1, 1, 1, new WorkerConfiguration("/app.dll", "App", 512, 1000, 1000, "json",
            new Dictionary<string, string?>(), new Dictionary<string, string>(), Certificate: certificate));
        var handles = new HandlesMessage([new HandleDescription(HandleKind.DispatchedListener, "https://127.0.0.1:1", Listener: new ListenerSettings(true, ListenerProtocols.Http2))]);

        var decodedHello = (HelloMessage)ChannelMessageCodec.Decode(ChannelMessageCodec.Encode(hello));
        var decodedHandles = (HandlesMessage)ChannelMessageCodec.Decode(ChannelMessageCodec.Encode(handles));

        Assert.Equal(certificate.Pkcs12, decodedHello.Configuration.Certificate!.Pkcs12);
        Assert.Equal(new ListenerSettings(true, ListenerProtocols.Http2), decodedHandles.Handles[0].Listener);
        Assert.DoesNotContain(Convert.ToBase64String(certificate.Pkcs12), hello.ToString());
        Assert.Contains("AB12", hello.ToString());
    }
}
