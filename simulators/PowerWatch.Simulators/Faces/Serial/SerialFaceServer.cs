using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PowerWatch.Serial;

namespace PowerWatch.Simulators.Faces.Serial;

/// <summary>The protocol side of a serial face: one session per connection (pty: one for the life of the server).</summary>
internal interface ISerialFaceProtocol
{
    /// <summary>Raised with one unsolicited byte to send to every session that accepts alerts.</summary>
    event Action<byte>? AlertRaised;

    ISerialFaceSession CreateSession();
}

/// <summary>Per-connection protocol state: turns received bytes into replies (no I/O).</summary>
internal interface ISerialFaceSession
{
    /// <summary>True when unsolicited alert bytes may be sent (APC: in smart mode).</summary>
    bool AcceptsAlerts { get; }

    /// <summary>Consumes <paramref name="data"/>; every complete reply is appended to <paramref name="replies"/>.</summary>
    void Receive(ReadOnlySpan<byte> data, List<byte[]> replies);
}

/// <summary>
/// A running serial face: on a pseudo-terminal (<see cref="PeerPath"/> is what the client opens) or on a loopback TCP
/// listener (<see cref="Port"/>). Replies and alerts are paced at <see cref="Settings"/>' baud rate and spoiled by the
/// face's <see cref="FaultSwitch"/>. Disposing stops serving, closes clients and the pty.
/// </summary>
public sealed class SerialFaceServer : IAsyncDisposable
{
    private readonly ISerialFaceProtocol _protocol;
    private readonly FaultSwitch _faults;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<Connection> _connections = [];
    private readonly PseudoTerminalPair? _pty;
    private readonly TcpListener? _listener;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    private SerialFaceServer(ISerialFaceProtocol protocol, FaultSwitch faults, TimeProvider time, SerialPortSettings settings, PseudoTerminalPair? pty, TcpListener? listener)
    {
        _protocol = protocol;
        _faults = faults;
        _time = time;
        Settings = settings;
        _pty = pty;
        _listener = listener;
        _protocol.AlertRaised += OnAlert;
    }

    /// <summary>Line settings the replies are paced to (the pty itself ignores them).</summary>
    public SerialPortSettings Settings { get; }

    /// <summary>Pty: the slave device (<c>/dev/pts/N</c>); null on TCP.</summary>
    public string? SlavePath => _pty?.SlavePath;

    /// <summary>Pty: the path a client opens (the symlink when one was asked for); null on TCP.</summary>
    public string? PeerPath => _pty?.PeerPath;

    /// <summary>TCP: the bound loopback port; 0 on a pty.</summary>
    public int Port => _listener is null ? 0 : ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary><c>serial:///dev/pts/N</c> or <c>tcp://127.0.0.1:PORT</c>.</summary>
    public string Endpoint => _pty is not null
        ? $"serial://{_pty.PeerPath}"
        : string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{Port}");

    /// <summary>Clients currently connected (a pty counts as one permanent connection).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    internal static SerialFaceServer StartPty(ISerialFaceProtocol protocol, FaultSwitch faults, Site site, SerialFaceOptions? options)
    {
        options ??= new SerialFaceOptions();
        var settings = options.ToSettings("pty");
        var pty = PseudoTerminalPair.Open(settings, options.LinkPath);
        var server = new SerialFaceServer(protocol, faults, options.ResolveTime(site), settings with { PortName = pty.PeerPath }, pty, null);
        var connection = new Connection(server, pty.Master, ownsStream: false, closeOnDrop: false);
        lock (server._gate)
        {
            server._connections.Add(connection);
        }

        server._loop = connection.RunAsync(server._stopping.Token);
        return server;
    }

    internal static SerialFaceServer StartTcp(ISerialFaceProtocol protocol, FaultSwitch faults, Site site, SerialFaceOptions? options)
    {
        options ??= new SerialFaceOptions();
        var listener = new TcpListener(IPAddress.Loopback, options.Port);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = new SerialFaceServer(protocol, faults, options.ResolveTime(site), options.ToSettings(string.Create(CultureInfo.InvariantCulture, $"tcp:{port}")), null, listener);
        server._loop = server.AcceptLoopAsync(server._stopping.Token);
        return server;
    }

    /// <summary>Closes every TCP client (the listener stays up); no effect on a pty.</summary>
    public void DropConnections()
    {
        if (_listener is null)
        {
            return;
        }

        Connection[] all;
        lock (_gate)
        {
            all = [.. _connections];
        }

        foreach (var c in all)
        {
            c.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _protocol.AlertRaised -= OnAlert;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        Connection[] all;
        lock (_gate)
        {
            all = [.. _connections];
        }

        foreach (var c in all)
        {
            c.Abort();
        }

        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var c in all)
        {
            await c.StoppedAsync().ConfigureAwait(false);
            c.Dispose();
        }

        if (_pty is not null)
        {
            await _pty.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void OnAlert(byte alert)
    {
        Connection[] all;
        lock (_gate)
        {
            all = [.. _connections];
        }

        foreach (var c in all)
        {
            c.QueueAlert(alert);
        }
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        var clients = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var client = await _listener!.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                client.NoDelay = true;
                var connection = new Connection(this, client.GetStream(), ownsStream: true, closeOnDrop: true);
                lock (_gate)
                {
                    _connections.Add(connection);
                }

                clients.Add(connection.RunAsync(cancellationToken));
                clients.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (SocketException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(clients).ConfigureAwait(false);
    }

    private void Remove(Connection connection)
    {
        lock (_gate)
        {
            _connections.Remove(connection);
        }
    }

    /// <summary>One client: a read loop feeding the session, and a paced, fault-aware writer shared with alerts.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly SerialFaceServer _server;
        private readonly Stream _stream;
        private readonly bool _ownsStream;
        private readonly bool _closeOnDrop;
        private readonly ISerialFaceSession _session;
        private readonly PacedWriter _writer;
        private readonly SemaphoreSlim _writeGate = new(1, 1);
        private readonly CancellationTokenSource _abort = new();
        private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Connection(SerialFaceServer server, Stream stream, bool ownsStream, bool closeOnDrop)
        {
            _server = server;
            _stream = stream;
            _ownsStream = ownsStream;
            _closeOnDrop = closeOnDrop;
            _session = server._protocol.CreateSession();
            _writer = new PacedWriter(stream, server.Settings, server._time);
        }

        public Task StoppedAsync() => _stopped.Task;

        public void Dispose()
        {
            _abort.Dispose();
            _writeGate.Dispose();
        }

        public void Abort()
        {
            try
            {
                _abort.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void QueueAlert(byte alert)
        {
            if (!_session.AcceptsAlerts || _abort.IsCancellationRequested)
            {
                return;
            }

            _ = SendAsync([alert], _server._faults.Current, _abort.Token);
        }

        public async Task RunAsync(CancellationToken stopping)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _abort.Token);
            var token = linked.Token;
            var buffer = new byte[256];
            var replies = new List<byte[]>();
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var n = await _stream.ReadAsync(buffer, token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    // The fault in force when the requests arrive decides their replies (clearing a fault does not
                    // release replies already swallowed or delayed under it).
                    replies.Clear();
                    var fault = _server._faults.Current;
                    lock (_session)
                    {
                        _session.Receive(buffer.AsSpan(0, n), replies);
                    }

                    foreach (var reply in replies)
                    {
                        await SendAsync(reply, fault, token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                await _abort.CancelAsync().ConfigureAwait(false);
                _server.Remove(this);
                if (_ownsStream)
                {
                    await _stream.DisposeAsync().ConfigureAwait(false);
                }

                _stopped.TrySetResult();
            }
        }

        private async Task SendAsync(byte[] data, FaultSetting fault, CancellationToken cancellationToken)
        {
            try
            {
                await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            try
            {
                switch (fault.Kind)
                {
                    case FaultKind.NoResponse:
                        return;
                    case FaultKind.Drop:
                        if (_closeOnDrop)
                        {
                            Abort();
                        }

                        return;
                    case FaultKind.Delay:
                        await Task.Delay(fault.Duration, _server._time, cancellationToken).ConfigureAwait(false);
                        await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                        break;
                    case FaultKind.Garbage:
                        await _writer.WriteAsync(FaultSwitch.GarbageBytes, cancellationToken).ConfigureAwait(false);
                        await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                        break;
                    case FaultKind.Truncate:
                        await _writer.WriteAsync(data.AsMemory(0, SerialFaults.TruncatedLength(data.Length)), cancellationToken).ConfigureAwait(false);
                        break;
                    case FaultKind.Drip:
                        for (var i = 0; i < data.Length; i++)
                        {
                            await _writer.WriteAsync(data.AsMemory(i, 1), cancellationToken).ConfigureAwait(false);
                            if (i + 1 < data.Length)
                            {
                                await Task.Delay(fault.Duration, _server._time, cancellationToken).ConfigureAwait(false);
                            }
                        }

                        break;
                    default:
                        await _writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException)
            {
                Abort();
            }
            catch (ObjectDisposedException)
            {
            }
            finally
            {
                _writeGate.Release();
            }
        }
    }
}

/// <summary>How the shared fault vocabulary (<see cref="FaultKind"/>) applies to serial replies.</summary>
internal static class SerialFaults
{
    /// <summary>A truncated reply keeps its first half (at least one byte, never the whole reply when it has two or more).</summary>
    public static int TruncatedLength(int length) => length <= 1 ? length : Math.Max(1, length / 2);
}
