using System.Net;
using MySqlConnector;

namespace ForkHost.Supervisor.ForkSafety;

/// <summary>The endpoints of the configured MySQL server (--mysql), so the audit can tell its connections apart.</summary>
internal sealed class MySqlServerAddresses
{
    private readonly HashSet<IPEndPoint> _endPoints;

    private MySqlServerAddresses(HashSet<IPEndPoint> endPoints) => _endPoints = endPoints;

    public static MySqlServerAddresses None { get; } = new([]);

    public static MySqlServerAddresses Resolve(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            return None;
        var builder = new MySqlConnectionStringBuilder(connectionString);
        var endPoints = new HashSet<IPEndPoint>();
        foreach (string host in builder.Server.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal) ? [literal] : SafeResolve(host);
            foreach (IPAddress address in addresses)
            {
                endPoints.Add(new IPEndPoint(address, (int)builder.Port));
                if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                    endPoints.Add(new IPEndPoint(address.MapToIPv6(), (int)builder.Port));
            }
        }
        return new MySqlServerAddresses(endPoints);
    }

    public bool Contains(IPEndPoint endPoint) => _endPoints.Contains(endPoint);

    private static IPAddress[] SafeResolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host);
        }
        catch (System.Net.Sockets.SocketException)
        {
            return [];
        }
    }
}
