using PowerWatch.Modbus;
using PowerWatch.Serial;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>Our Modbus clients, connected the way the peer tests need them.</summary>
internal static class OurSide
{
    /// <summary>Generous per-attempt timeout and no retries: a peer test must see the first answer, not a retried one.</summary>
    public static ModbusClientOptions Options { get; } = new() { Timeout = TimeSpan.FromSeconds(5), Retries = 0 };

    /// <summary>The line the peers are opened with (a pty ignores it; the client uses it for t1.5/t3.5).</summary>
    public static ModbusSerialLine Line { get; } = new(115200);

    public static ModbusTcpClient TcpClient(int port) => new("127.0.0.1", port, Options);

    public static ModbusRtuOverTcpClient RtuOverTcpClient(int port) => new("127.0.0.1", port, Options);

    /// <summary>Opens our end of a pty pair with PowerWatch.Serial (raw 8N1) and puts an RTU client on it.</summary>
    public static SerialConnection RtuClient(string device)
    {
        var port = OpenSerial(device);
        return new SerialConnection(port, new ModbusRtuClient(port.Stream, Line, Options, leaveOpen: true));
    }

    /// <summary>Opens our end of a pty pair with PowerWatch.Serial and puts an ASCII client on it.</summary>
    public static SerialConnection AsciiClient(string device)
    {
        var port = OpenSerial(device);
        return new SerialConnection(port, new ModbusAsciiClient(port.Stream, Options, leaveOpen: true));
    }

    public static ISerialPort OpenSerial(string device) =>
        SerialPort.Open(new SerialPortSettings { PortName = device, BaudRate = Line.BaudRate });

    internal sealed class SerialConnection(ISerialPort port, ModbusClient client) : IAsyncDisposable
    {
        public ModbusClient Client { get; } = client;

        public ISerialPort Port { get; } = port;

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Port.DisposeAsync();
        }
    }
}
