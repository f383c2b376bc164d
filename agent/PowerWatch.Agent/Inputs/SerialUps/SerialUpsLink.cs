using System.Net.Sockets;
using PowerWatch.Agent.Configuration;
using PowerWatch.Serial;

namespace PowerWatch.Agent.Inputs.SerialUps;

/// <summary>An open byte link to a serial UPS: a serial port or a raw TCP serial server. Disposing closes it.</summary>
internal interface ISerialUpsLink : IAsyncDisposable
{
    Stream Stream { get; }
}

/// <summary>
/// Opens links for the serial UPS inputs (Megatec Q1, APC Smart): <c>serial:///dev/ttyX</c> through
/// <see cref="SerialPort.Open"/> with the device's serial settings, <c>tcp://host:port</c> to a raw TCP serial
/// server (ser2net, a device server in raw mode, the simulators' serial faces). The inputs call it again after a
/// failure, so a re-plugged adapter or a restarted server comes back on its own.
/// </summary>
internal static class SerialUpsLink
{
    /// <summary>A connector for <paramref name="endpoint"/>; the connect timeout is on the caller's token.</summary>
    public static Func<CancellationToken, Task<ISerialUpsLink>> Connector(DeviceEndpoint endpoint, SerialLineOptions serial)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(serial);
        return endpoint.Kind switch
        {
            EndpointKind.Serial => _ => Task.FromResult<ISerialUpsLink>(new PortLink(SerialPort.Open(serial.ToPortSettings(endpoint.Path)))),
            EndpointKind.Tcp => ct => TcpLink.ConnectAsync(endpoint.Host, endpoint.Port, ct),
            _ => throw new ArgumentException($"endpoint '{endpoint}' is not serial:// or tcp:// (a serial UPS protocol cannot run over {endpoint.Kind})", nameof(endpoint)),
        };
    }

    /// <summary>Wraps a stream the caller already opened (tests, custom transports); disposing disposes the stream.</summary>
    public static ISerialUpsLink FromStream(Stream stream) => new StreamLink(stream);

    private sealed class PortLink(ISerialPort port) : ISerialUpsLink
    {
        public Stream Stream => port.Stream;

        public ValueTask DisposeAsync() => port.DisposeAsync();
    }

    private sealed class StreamLink(Stream stream) : ISerialUpsLink
    {
        public Stream Stream => stream;

        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }

    private sealed class TcpLink : ISerialUpsLink
    {
        private readonly TcpClient _client;

        private TcpLink(TcpClient client)
        {
            _client = client;
            Stream = client.GetStream();
        }

        public Stream Stream { get; }

        public static async Task<ISerialUpsLink> ConnectAsync(string host, int port, CancellationToken cancellationToken)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(host, port, cancellationToken);
                return new TcpLink(client);
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            _client.Dispose();
        }
    }
}
