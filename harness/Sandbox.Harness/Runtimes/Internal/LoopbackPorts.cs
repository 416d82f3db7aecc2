using System.Net;
using System.Net.Sockets;

namespace Sandbox.Harness.Runtimes.Internal;

/// <summary>Free TCP ports on 127.0.0.1 (asked of the kernel; a clash at bind time is retried by the caller).</summary>
internal static class LoopbackPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// A free loopback port below the kernel's ephemeral range (<c>net.ipv4.ip_local_port_range</c>),
    /// so that no "any free port" request of another program (another sandbox's API port included)
    /// is ever handed it while the owner is not bound to it — as Vault's cluster port is while sealed.
    /// Falls back to <see cref="Free"/> when the range leaves no room below it.
    /// </summary>
    /// <param name="exclude">Ports that must not be returned (the API port).</param>
    public static int FreeReserved(params int[] exclude)
    {
        var (low, _) = EphemeralRange();
        const int floor = 10_000;
        if (low - floor < 1_000)
        {
            return Free();
        }

        for (var attempt = 0; attempt < 64; attempt++)
        {
            var candidate = Random.Shared.Next(floor, low);
            if (!exclude.Contains(candidate) && CanBind(candidate))
            {
                return candidate;
            }
        }

        return Free();
    }

    /// <summary>Whether 127.0.0.1:<paramref name="port"/> can be bound right now.</summary>
    public static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high) && low is > 0 and < 65536 && high >= low)
            {
                return (low, high);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return (32_768, 60_999); // Linux's default
    }

    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
