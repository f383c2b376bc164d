using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt.Tests;

/// <summary>A scripted MQTT server on 127.0.0.1 port 0: tests read what the client sent and write crafted replies.</summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<FakeBrokerConnection> _connections = [];

    public FakeBroker()
    {
        _listener.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<FakeBrokerConnection> AcceptAsync()
    {
        using var cts = new CancellationTokenSource(Patience);
        var socket = await _listener.AcceptSocketAsync(cts.Token);
        var c = new FakeBrokerConnection(socket);
        _connections.Add(c);
        return c;
    }

    /// <summary>Accepts a connection and answers its CONNECT with a successful CONNACK.</summary>
    public async Task<(FakeBrokerConnection Connection, ConnectPacket Connect)> AcceptAndConnAckAsync(bool sessionPresent = false, MqttProperties? properties = null)
    {
        var c = await AcceptAsync();
        var connect = await c.ReceiveAsync<ConnectPacket>();
        await c.SendAsync(new ConnAckPacket { SessionPresent = sessionPresent, Properties = properties });
        return (c, connect);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        foreach (var c in _connections)
        {
            await c.DisposeAsync();
        }
    }
}

internal sealed class FakeBrokerConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly MqttPacketDecoder _decoder = new(MqttProtocolVersion.V311);
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public FakeBrokerConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream);
    }

    public MqttProtocolVersion Version => _decoder.Version;

    public async Task<MqttPacket> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(FakeBroker.Patience);
        while (true)
        {
            var result = await _reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            if (_decoder.TryDecode(ref buffer, out var packet))
            {
                _reader.AdvanceTo(buffer.Start);
                return packet;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new EndOfStreamException("client closed the connection");
            }
        }
    }

    public async Task<T> ReceiveAsync<T>()
        where T : MqttPacket
    {
        var p = await ReceiveAsync();
        return p as T ?? throw new Xunit.Sdk.XunitException($"expected {typeof(T).Name}, got {p.Type}");
    }

    /// <summary>True when the client closed its side (read returns end of stream or a reset).</summary>
    public async Task<bool> ClosedByClientAsync()
    {
        try
        {
            while (true)
            {
                await ReceiveAsync();
            }
        }
        catch (EndOfStreamException)
        {
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async Task SendAsync(MqttPacket packet)
    {
        var w = new ArrayBufferWriter<byte>();
        new MqttPacketEncoder(Version).Encode(packet, w);
        await SendRawAsync(w.WrittenSpan.ToArray());
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes with a TCP reset, as a crashed broker would.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        _writeLock.Dispose();
    }
}

/// <summary>Collects ConnectionStateChanged events so a test can await a given state.</summary>
internal sealed class StateLog
{
    private readonly Channel<MqttConnectionStateChangedEventArgs> _events = Channel.CreateUnbounded<MqttConnectionStateChangedEventArgs>();

    public StateLog(MqttClient client)
    {
        client.ConnectionStateChanged += (_, e) => _events.Writer.TryWrite(e);
    }

    public async Task<MqttConnectionStateChangedEventArgs> WaitForAsync(MqttConnectionState state)
    {
        using var cts = new CancellationTokenSource(FakeBroker.Patience);
        while (true)
        {
            var e = await _events.Reader.ReadAsync(cts.Token);
            if (e.State == state)
            {
                return e;
            }
        }
    }
}
