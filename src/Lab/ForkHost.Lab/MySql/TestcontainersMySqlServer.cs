using Testcontainers.MySql;

namespace ForkHost.Lab.MySql;

/// <summary>A MySQL 8 container, where a Docker engine answers. Its sessions use TLS (MySqlConnector's SslMode=Preferred).</summary>
internal static class TestcontainersMySqlServer
{
    public const string Image = "mysql:8.0";

    public static async Task<MySqlServer> StartAsync(CancellationToken cancellationToken)
    {
        MySqlContainer container = new MySqlBuilder(Image)
            .WithDatabase("forkhost")
            .WithUsername("root")
            .WithPassword("forkhost")
            .Build();
        await container.StartAsync(cancellationToken);
        int port = container.GetMappedPublicPort(MySqlBuilder.MySqlPort);
        return new MySqlServer(
            MySqlServerKind.Testcontainers,
            container.GetConnectionString(),
            container.Hostname,
            port,
            $"MySQL container {Image} on {container.Hostname}:{port} (Testcontainers)",
            () => container.DisposeAsync());
    }
}
