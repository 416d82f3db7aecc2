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
