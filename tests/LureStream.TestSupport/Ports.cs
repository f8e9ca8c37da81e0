using System.Net;
using System.Net.Sockets;

namespace LureStream.TestSupport;

/// <summary>Loopback ports for servers a test starts (RTSP, control API): one the OS just handed out and released.</summary>
public static class Ports
{
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
