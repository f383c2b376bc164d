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

    /// <summary>Our TCP server on 127.0.0.1, port chosen by the OS.</summary>
    public static async Task<TcpServer> StartTcpAsync()
    {
        var store = PeerMapStore();
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), PeerMapHandler(store));
        await server.StartAsync();
        return new TcpServer(server, store);
    }

    /// <summary>Our RTU server on our end of a fresh socat pty pair (opened with PowerWatch.Serial).</summary>
    public static async Task<RtuServer> StartRtuAsync(string directory)
    {
        var pty = await PtyPair.StartAsync(directory);
        var port = SerialPort.Open(new SerialPortSettings { PortName = pty.OurSide, BaudRate = OurSide.Line.BaudRate });
        var store = PeerMapStore();
        var server = new ModbusRtuServer(port.Stream, OurSide.Line, PeerMapHandler(store), leaveOpen: true);
        await server.StartAsync();
        return new RtuServer(pty, port, server, store);
    }

    internal sealed class TcpServer(ModbusTcpServer server, ModbusDataStore store) : IAsyncDisposable
    {
        public ModbusTcpServer Server { get; } = server;

        public ModbusDataStore Store { get; } = store;

        public int Port => Server.LocalEndPoint.Port;

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }

    internal sealed class RtuServer(PtyPair pty, ISerialPort port, ModbusRtuServer server, ModbusDataStore store) : IAsyncDisposable
    {
        public ModbusRtuServer Server { get; } = server;

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
