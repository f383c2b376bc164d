using System.Net;
using PowerWatch.Modbus;
using PowerWatch.Serial;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>Our Modbus servers, serving a data store loaded with the peer map (tests/peers/modbus/MAP.md).</summary>
internal static class OurServers
{
    public static ModbusDataStore PeerMapStore()
    {
        var store = new ModbusDataStore();
        store.SetBits(ModbusTable.Coils, 0, PeerMap.CoilRange(0, PeerMap.Coils));
        store.SetBits(ModbusTable.DiscreteInputs, 0, PeerMap.DiscreteInputRange(0, PeerMap.DiscreteInputs));
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, PeerMap.HoldingRange(0, PeerMap.HoldingRegisters));
        store.SetRegisters(ModbusTable.InputRegisters, 0, PeerMap.InputRange(0, PeerMap.InputRegisters));
        return store;
    }

    public static ModbusDataStoreHandler PeerMapHandler(ModbusDataStore store)
    {
        var handler = new ModbusDataStoreHandler(store, PeerMap.Unit);
        foreach (var (id, text) in PeerMap.Identity)
        {
            handler.SetDeviceIdObject(id, text);
        }

        return handler;
    }

    /// <summary>Our TCP server on 127.0.0.1, port chosen by the OS (MBAP, or RTU frames over TCP).</summary>
    public static async Task<TcpServer> StartTcpAsync(ModbusTcpFraming framing = ModbusTcpFraming.Mbap)
    {
        var store = PeerMapStore();
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), PeerMapHandler(store), framing: framing);
        await server.StartAsync();
        return new TcpServer(server, store);
    }

    /// <summary>Our RTU server on our end of a fresh socat pty pair (opened with PowerWatch.Serial).</summary>
    public static Task<SerialServer> StartRtuAsync(string directory) =>
        StartSerialAsync(directory, (stream, handler) => new ModbusRtuServer(stream, OurSide.Line, handler, leaveOpen: true), s => s.StartAsync());

    /// <summary>Our ASCII server on our end of a fresh socat pty pair.</summary>
    public static Task<SerialServer> StartAsciiAsync(string directory) =>
        StartSerialAsync(directory, (stream, handler) => new ModbusAsciiServer(stream, handler, leaveOpen: true, line: OurSide.Line), s => s.StartAsync());

    private static async Task<SerialServer> StartSerialAsync<T>(string directory, Func<Stream, IModbusRequestHandler, T> create, Func<T, Task> start)
        where T : IAsyncDisposable
    {
        var pty = await PtyPair.StartAsync(directory);
        var port = OurSide.OpenSerial(pty.OurSide);
        var store = PeerMapStore();
        var server = create(port.Stream, PeerMapHandler(store));
        await start(server);
        return new SerialServer(pty, port, server, store);
    }

    internal sealed class TcpServer(ModbusTcpServer server, ModbusDataStore store) : IAsyncDisposable
    {
        public ModbusTcpServer Server { get; } = server;

        public ModbusDataStore Store { get; } = store;

        public int Port => Server.LocalEndPoint.Port;

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    internal sealed class SerialServer(PtyPair pty, ISerialPort port, IAsyncDisposable server, ModbusDataStore store) : IAsyncDisposable
    {
        public IAsyncDisposable Server { get; } = server;

        public ModbusDataStore Store { get; } = store;

        /// <summary>The pty the peer client opens.</summary>
        public string PeerDevice => pty.PeerSide;

        public async ValueTask DisposeAsync()
        {
            await Server.DisposeAsync();
            await port.DisposeAsync();
            await pty.DisposeAsync();
        }
    }
}
