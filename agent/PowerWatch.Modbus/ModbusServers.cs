using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PowerWatch.Shared;

namespace PowerWatch.Modbus;

/// <summary>How a <see cref="ModbusTcpServer"/> frames requests on its connections.</summary>
public enum ModbusTcpFraming
{
    /// <summary>Modbus TCP (MBAP).</summary>
    Mbap,
    /// <summary>RTU frames with CRC over TCP (serial device server mode).</summary>
    Rtu,
}

/// <summary>
/// Modbus TCP server (slave): listens on an <see cref="IPEndPoint"/> (port 0 allowed; see <see cref="LocalEndPoint"/>),
/// serves many connections concurrently, requests on one connection in order. A connection whose MBAP header is
/// invalid is closed; frames with a protocol id other than 0 are dropped. With <see cref="ModbusTcpFraming.Rtu"/> it is
/// an RTU-over-TCP server. A failing accept (out of file descriptors, for one) is retried after a pause that doubles
/// up to <see cref="ModbusServerOptions.AcceptRetryMaxDelay"/>, on <see cref="ModbusServerOptions.TimeProvider"/>, and
/// reported once per episode through <see cref="AcceptFailed"/>.
/// </summary>
public sealed class ModbusTcpServer : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly ModbusServerOptions _options;
    private readonly ModbusTcpFraming _framing;
    private readonly ServerCore _core;
    private readonly Backoff _acceptBackoff;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (Socket Socket, Task Task)> _connections = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private int _nextConnection;
    private int _disposed;

    public ModbusTcpServer(IPEndPoint endPoint, IModbusRequestHandler handler, ModbusServerOptions? options = null, ModbusTcpFraming framing = ModbusTcpFraming.Mbap)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(handler);
        _endPoint = endPoint;
        _options = options ?? new ModbusServerOptions();
        _framing = framing;
        _core = new ServerCore(handler, _options, Statistics);
        _acceptBackoff = new Backoff(_options.AcceptRetryDelay, _options.AcceptRetryMaxDelay, jitter: 0);
    }

    /// <summary>
    /// The first failed accept of an episode: raised once (on the accept loop) until an accept succeeds again. A
    /// handler that throws is ignored.
    /// </summary>
    public event EventHandler<ModbusAcceptFailedEventArgs>? AcceptFailed;

    public ModbusServerStatistics Statistics { get; } = new();

    /// <summary>Accepts the next connection: the listener's own accept; tests replace it to inject failures.</summary>
    internal Func<Socket, CancellationToken, ValueTask<Socket>> AcceptConnection { get; set; } = static (listener, ct) => listener.AcceptAsync(ct);

    /// <summary>The bound address (valid after <see cref="StartAsync"/>).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listener?.LocalEndPoint ?? throw new InvalidOperationException("server not started");

    /// <summary>Open connections.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Binds and starts accepting. Returns once listening.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_listener is not null)
        {
            throw new InvalidOperationException("already started");
        }

        ct.ThrowIfCancellationRequested();
        var listener = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_endPoint);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, _stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Closes every open connection (clients see the drop); the listener keeps accepting.</summary>
    public void DropConnections()
    {
        foreach (var (_, c) in _connections)
        {
            c.Socket.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        DropConnections();
        foreach (var (_, c) in _connections)
        {
            await c.Task;
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await AcceptConnection(listener, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                if (ct.IsCancellationRequested)
                {
                    return;
                }

                // Out of descriptors (EMFILE/ENFILE) and the like fail again at once: retrying without a pause spins
                // a core. Pause, doubling while the failures continue; tell the host once per episode.
                Statistics.AddAcceptFailure();
                var delay = _acceptBackoff.Delay(failures);
                if (failures++ == 0)
                {
                    OnAcceptFailed(ex, delay);
                }

                try
                {
                    await Task.Delay(delay, _options.TimeProvider, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            failures = 0;

            if (_connections.Count >= _options.MaxConnections)
            {
                socket.Dispose();
                continue;
            }

            socket.NoDelay = true;
            Statistics.AddConnection();
            var id = Interlocked.Increment(ref _nextConnection);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = Task.Run(async () =>
            {
                await started.Task;
                await ServeConnectionAsync(id, socket, ct);
            }, CancellationToken.None);
            _connections[id] = (socket, task);
            started.SetResult();
        }
    }

    private void OnAcceptFailed(SocketException exception, TimeSpan delay)
    {
        try
        {
            AcceptFailed?.Invoke(this, new ModbusAcceptFailedEventArgs(exception, delay));
        }
#pragma warning disable CA1031 // A faulty handler must not stop the accept loop.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task ServeConnectionAsync(int id, Socket socket, CancellationToken ct)
    {
        StreamLink link;
        try
        {
            link = new StreamLink(new NetworkStream(socket, ownsSocket: true), ownsStream: true);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Dropped (DropConnections, disposal) or reset before it was served: nothing to serve, nothing to fail.
            socket.Dispose();
            _connections.TryRemove(id, out _);
            return;
        }

        try
        {
            if (_framing == ModbusTcpFraming.Mbap)
            {
                await _core.ServeTcpAsync(link, ct);
            }
            else
            {
                await _core.ServeRtuAsync(link, ModbusServerTransport.RtuOverTcp, _options.InterFrameGap ?? TimeSpan.FromMilliseconds(50), null, ct);
            }
        }
#pragma warning disable CA1031 // One connection failing (reset, write to a closed socket) must not affect the others.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
        finally
        {
            await link.DisposeAsync();
            _connections.TryRemove(id, out _);
        }
    }
}

/// <summary>
/// A Modbus server that serves one <see cref="Stream"/> (serial port or pty) with one framing: the start, stop and
/// completion shared by <see cref="ModbusRtuServer"/> and <see cref="ModbusAsciiServer"/>.
/// </summary>
public abstract class ModbusStreamServer : IAsyncDisposable
{
    private readonly StreamLink _link;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    private protected ModbusStreamServer(Stream stream, IModbusRequestHandler handler, ModbusServerOptions? options, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(handler);
        Options = options ?? new ModbusServerOptions();
        Core = new ServerCore(handler, Options, Statistics);
        _link = new StreamLink(stream, !leaveOpen);
    }

    public ModbusServerStatistics Statistics { get; } = new();

    /// <summary>Completes when serving stops (stream ended, a CloseConnection fault, or disposal).</summary>
    public Task Completion => _loop ?? Task.CompletedTask;

    private protected ModbusServerOptions Options { get; }

    private protected ServerCore Core { get; }

    public Task StartAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ct.ThrowIfCancellationRequested();
        _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        await _link.DisposeAsync();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected abstract Task ServeAsync(StreamLink link, CancellationToken ct);

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await ServeAsync(_link, ct);
        }
#pragma warning disable CA1031 // The serve loop ends on stream failure or cancellation; Completion reports the end.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}

/// <summary>
/// Modbus RTU server over a <see cref="Stream"/> (serial port or pty). Answers the units its handler serves;
/// broadcast (unit 0) writes are applied without a reply; bad-CRC frames are dropped (and counted).
/// </summary>
public sealed class ModbusRtuServer : ModbusStreamServer
{
    public ModbusRtuServer(Stream stream, ModbusSerialLine line, IModbusRequestHandler handler, ModbusServerOptions? options = null, bool leaveOpen = false)
        : base(stream, handler, options, leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(line);
        Line = line;
    }

    public ModbusSerialLine Line { get; }

    private protected override Task ServeAsync(StreamLink link, CancellationToken ct) =>
        Core.ServeRtuAsync(link, ModbusServerTransport.Rtu, Options.InterFrameGap ?? Line.T35, Line, ct);
}

/// <summary>Modbus ASCII server over a <see cref="Stream"/>. Frames with a bad LRC or characters are dropped (and counted).</summary>
public sealed class ModbusAsciiServer : ModbusStreamServer
{
    private readonly ModbusSerialLine? _line;

    public ModbusAsciiServer(Stream stream, IModbusRequestHandler handler, ModbusServerOptions? options = null, bool leaveOpen = false, ModbusSerialLine? line = null)
        : base(stream, handler, options, leaveOpen)
    {
        _line = line;
    }

    private protected override Task ServeAsync(StreamLink link, CancellationToken ct) => Core.ServeAsciiAsync(link, _line, ct);
}
