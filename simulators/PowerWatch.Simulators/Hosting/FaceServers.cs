using System.Globalization;
using System.Net;
using PowerWatch.Modbus;
using PowerWatch.Serial;

namespace PowerWatch.Simulators.Faces;

/// <summary>How a face is reached.</summary>
public enum FaceTransport
{
    /// <summary>Modbus TCP (MBAP) on 127.0.0.1: endpoint <c>tcp://127.0.0.1:PORT</c>.</summary>
    Tcp,

    /// <summary>RTU frames over TCP (serial device server mode): <c>rtu+tcp://127.0.0.1:PORT</c>.</summary>
    RtuOverTcp,

    /// <summary>Modbus RTU on a pseudo-terminal shared by every RTU face of the host: <c>serial:///dev/pts/N</c>.</summary>
    Rtu,
}

/// <summary>One running Modbus endpoint (a TCP listener or an RTU bus) serving one or more faces.</summary>
public interface IFaceServer : IAsyncDisposable
{
    FaceTransport Transport { get; }

    /// <summary>Endpoint in the agent's configuration syntax.</summary>
    string Endpoint { get; }

    /// <summary>Counters of the underlying Modbus server.</summary>
    ModbusServerStatistics Statistics { get; }
}

/// <summary>
/// A face on its own loopback TCP listener (port 0; see <see cref="Port"/>), as Modbus TCP or RTU over TCP. The
/// face's <see cref="ModbusFace.Faults"/> switch spoils replies; <see cref="DropConnections"/> closes every client.
/// </summary>
public sealed class FaceTcpServer : IFaceServer
{
    private readonly ModbusTcpServer _server;

    private FaceTcpServer(ModbusTcpServer server, FaceTransport transport)
    {
        _server = server;
        Transport = transport;
    }

    public FaceTransport Transport { get; }

    /// <summary>The bound loopback port.</summary>
    public int Port => _server.LocalEndPoint.Port;

    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"{(Transport == FaceTransport.Tcp ? "tcp" : "rtu+tcp")}://127.0.0.1:{Port}");

    public ModbusServerStatistics Statistics => _server.Statistics;

    /// <summary>Starts serving <paramref name="face"/> on 127.0.0.1 (any unit id is answered on Modbus TCP; unit <paramref name="unitId"/> on RTU over TCP).</summary>
    public static async Task<FaceTcpServer> StartAsync(ModbusFace face, FaceTransport transport, byte unitId = 1, TimeProvider? transportTime = null, int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (transport == FaceTransport.Rtu)
        {
            throw new ArgumentException("use ModbusRtuBus for serial RTU", nameof(transport));
        }

        var options = new ModbusServerOptions { FaultInjector = face.Faults, TimeProvider = transportTime ?? TimeProvider.System };
        var handler = transport == FaceTransport.Tcp ? face.CreateHandler() : face.CreateHandler(unitId);
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, port), handler, options,
            transport == FaceTransport.Tcp ? ModbusTcpFraming.Mbap : ModbusTcpFraming.Rtu);

        // One line per episode (e.g. out of file descriptors); the server itself backs off.
        server.AcceptFailed += (_, e) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulator: accept on {server.LocalEndPoint} failed ({e.Exception.SocketErrorCode}: {e.Exception.Message}); retrying with back-off up to {options.AcceptRetryMaxDelay.TotalSeconds:0.###} s"));
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new FaceTcpServer(server, transport);
    }

    /// <summary>Closes every open client connection (the listener stays up).</summary>
    public void DropConnections() => _server.DropConnections();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>
/// A Modbus RTU bus on a pseudo-terminal: the server runs on the master side, the client opens
/// <see cref="SlavePath"/> (<c>serial:///dev/pts/N</c>). Several faces share the bus under different unit ids;
/// replies are paced at the configured baud (<see cref="PacedWriter"/>) and each unit's replies are spoiled by its
/// face's fault switch. Linux only.
/// </summary>
public sealed class ModbusRtuBus : IFaceServer
{
    private readonly PseudoTerminalPair _pty;
    private readonly PacedStream _paced;
    private readonly ModbusUnitRouter _router = new();
    private readonly UnitFaultRouter _faults = new();
    private readonly ModbusRtuServer _server;
    private readonly Dictionary<byte, ModbusFace> _units = [];
    private readonly Lock _gate = new();

    private ModbusRtuBus(PseudoTerminalPair pty, SerialPortSettings settings, TimeProvider transportTime, string? linkPath, RtuPacing pacing)
    {
        _pty = pty;
        Settings = settings;
        Pacing = pacing;
        _paced = new PacedStream(pty.Master, settings, transportTime, pacing);
        var line = new ModbusSerialLine(settings.BaudRate, settings.DataBits, settings.Parity switch
        {
            Parity.Even => ModbusParity.Even,
            Parity.Odd => ModbusParity.Odd,
            _ => ModbusParity.None,
        }, settings.StopBits == StopBits.Two ? ModbusStopBits.Two : ModbusStopBits.One);
        _server = new ModbusRtuServer(_paced, line, _router, new ModbusServerOptions { FaultInjector = _faults, TimeProvider = transportTime }, leaveOpen: true);
        LinkPath = linkPath;
    }

    public FaceTransport Transport => FaceTransport.Rtu;

    /// <summary>The pty slave a client opens.</summary>
    public string SlavePath => _pty.PeerPath;

    /// <summary>Symlink to the slave, when one was asked for.</summary>
    public string? LinkPath { get; }

    public string Endpoint => $"serial://{SlavePath}";

    /// <summary>Line settings clients should use (the pty itself ignores them; replies are paced to them).</summary>
    public SerialPortSettings Settings { get; }

    public ModbusServerStatistics Statistics => _server.Statistics;

    /// <summary>How replies are paced.</summary>
    public RtuPacing Pacing { get; }

    /// <summary>Faces on the bus by unit id.</summary>
    public IReadOnlyDictionary<byte, ModbusFace> Units
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<byte, ModbusFace>(_units);
            }
        }
    }

    /// <summary>Opens a pty and starts serving (no units yet; see <see cref="Attach"/>).</summary>
    public static async Task<ModbusRtuBus> StartAsync(int baudRate = 9600, Parity parity = Parity.None, TimeProvider? transportTime = null, string? linkPath = null, RtuPacing pacing = RtuPacing.Frame, CancellationToken cancellationToken = default)
    {
        var settings = new SerialPortSettings { PortName = "pty", BaudRate = baudRate, Parity = parity };
        var pty = PseudoTerminalPair.Open(settings, linkPath);
        var bus = new ModbusRtuBus(pty, settings with { PortName = pty.PeerPath }, transportTime ?? TimeProvider.System, linkPath, pacing);
        try
        {
            await bus._server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await bus.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return bus;
    }

    /// <summary>Serves <paramref name="face"/> as unit <paramref name="unitId"/> (1–247) on this bus.</summary>
    public void Attach(ModbusFace face, byte unitId)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentOutOfRangeException.ThrowIfLessThan(unitId, (byte)1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(unitId, (byte)247);
        lock (_gate)
        {
            if (!_units.TryAdd(unitId, face))
            {
                throw new InvalidOperationException($"unit {unitId} is already served on {SlavePath}");
            }
        }

        _router.Map(unitId, face.CreateHandler(unitId));
        _faults.Map(unitId, face.Faults);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        await _paced.DisposeAsync().ConfigureAwait(false);
        await _pty.DisposeAsync().ConfigureAwait(false);
    }
}
