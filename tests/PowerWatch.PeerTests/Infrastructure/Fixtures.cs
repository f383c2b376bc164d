using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>
/// A peer started on first use and stopped with the test class. Starting lazily (not in the fixture's
/// constructor) keeps a skipped [PeerFact] class from failing while building its fixture.
/// </summary>
public abstract class LazyPeerFixture<T> : IAsyncLifetime
    where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<IAsyncDisposable> _owned = [];
    private T? _value;

    internal TempDir Dir { get; } = new("powerwatch-peer");

    public async Task<T> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _value ??= await StartAsync(_owned);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        Dir.Dispose();
        _gate.Dispose();
    }

    /// <summary>Starts the peer; everything added to <paramref name="owned"/> is disposed in reverse order.</summary>
    protected abstract Task<T> StartAsync(List<IAsyncDisposable> owned);
}

/// <summary>A pymodbus server on 127.0.0.1 serving the peer map (mode tcp or rtu-over-tcp).</summary>
public abstract class PymodbusNetworkServerFixture(string mode) : LazyPeerFixture<PymodbusNetworkServerFixture.Server>
{
    protected override async Task<Server> StartAsync(List<IAsyncDisposable> owned)
    {
        var port = Peers.FreeTcpPort();
        owned.Add(await PeerPrograms.StartPymodbusServerAsync(mode, PeerPrograms.Port(port)));
        return new Server(port);
    }

    public sealed record Server(int Port);
}

/// <summary>A pymodbus serial server (mode rtu or ascii) on one end of a socat pty pair; our code opens the other end.</summary>
public abstract class PymodbusSerialServerFixture(string mode) : LazyPeerFixture<PymodbusSerialServerFixture.Server>
{
    protected override async Task<Server> StartAsync(List<IAsyncDisposable> owned)
    {
        var pty = await PtyPair.StartAsync(Dir.Path);
        owned.Add(pty);
        owned.Add(await PeerPrograms.StartPymodbusServerAsync(mode, pty.PeerSide));
        return new Server(pty.OurSide);
    }

    public sealed record Server(string Device);
}

/// <summary>A pymodbus Modbus TCP (MBAP) server.</summary>
public sealed class PymodbusTcpServerFixture() : PymodbusNetworkServerFixture("tcp");

/// <summary>A pymodbus server speaking RTU frames (with CRC) over TCP.</summary>
public sealed class PymodbusRtuOverTcpServerFixture() : PymodbusNetworkServerFixture("rtu-over-tcp");

/// <summary>A pymodbus RTU server on a pty.</summary>
public sealed class PymodbusRtuServerFixture() : PymodbusSerialServerFixture("rtu");

/// <summary>A pymodbus ASCII server on a pty.</summary>
public sealed class PymodbusAsciiServerFixture() : PymodbusSerialServerFixture("ascii");

/// <summary>The libmodbus C peers compiled once per class, and the C server started on 127.0.0.1.</summary>
public sealed class LibModbusFixture : LazyPeerFixture<LibModbusFixture.Peers>
{
    protected override async Task<Peers> StartAsync(List<IAsyncDisposable> owned)
    {
        var server = await PeerPrograms.CompileLibModbusAsync("lmb_server.c", Dir.Path);
        var client = await PeerPrograms.CompileLibModbusAsync("lmb_client.c", Dir.Path);
        var port = TestSupport.Peers.FreeTcpPort();
        owned.Add(await PeerPrograms.StartServerAsync(server, [port.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        return new Peers(port, client);
    }

    /// <summary>Port of the running C server, and the path of the compiled C client.</summary>
    public sealed record Peers(int ServerPort, string ClientBinary);
}

/// <summary>The libmodbus C client compiled once per class (for tests of our server).</summary>
public sealed class LibModbusClientFixture : LazyPeerFixture<string>
{
    protected override Task<string> StartAsync(List<IAsyncDisposable> owned) =>
        PeerPrograms.CompileLibModbusAsync("lmb_client.c", Dir.Path);
}

/// <summary>The libmodbus C server in RTU mode (115200 8N1, unit 1) on one end of a socat pty pair.</summary>
public sealed class LibModbusRtuServerFixture : LazyPeerFixture<LibModbusRtuServerFixture.Server>
{
    protected override async Task<Server> StartAsync(List<IAsyncDisposable> owned)
    {
        var binary = await PeerPrograms.CompileLibModbusAsync("lmb_server.c", Dir.Path);
        var pty = await PtyPair.StartAsync(Dir.Path);
        owned.Add(pty);
        owned.Add(await PeerPrograms.StartServerAsync(binary, ["rtu", pty.PeerSide, PeerPrograms.Port(PeerMap.Unit)]));
        return new Server(pty.OurSide);
    }

    public sealed record Server(string Device);
}
