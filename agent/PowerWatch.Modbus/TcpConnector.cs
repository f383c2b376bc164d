using System.Net;
using System.Net.Sockets;

namespace PowerWatch.Modbus;

/// <summary>The TCP connect of the Modbus TCP client and of the RTU-over-TCP / ASCII-over-TCP clients.</summary>
internal static class TcpConnector
{
    /// <summary>A connected socket with Nagle off; a refused or unreachable peer is a <see cref="ModbusConnectionException"/>.</summary>
    public static async ValueTask<Socket> ConnectAsync(EndPoint endPoint, CancellationToken ct)
    {
        var family = endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : endPoint.AddressFamily;
        var socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, ct);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ModbusConnectionException($"cannot connect to {endPoint}: {e.SocketErrorCode}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
