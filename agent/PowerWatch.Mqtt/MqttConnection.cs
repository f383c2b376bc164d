using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>One transport connection: a stream, its writer loop, reader loop and keep-alive loop.</summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly MqttPacketEncoder _encoder;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _ackGate = new();
    private readonly Queue<InboundAck> _acks = new();
    private long _lastWrite;
    private int _idleWaits;
    private int _closed;
    private TaskCompletionSource? _pingResponse;

    public MqttConnection(Stream stream, PipeReader reader, MqttPacketDecoder decoder, MqttProtocolVersion version, TimeProvider time)
    {
        _stream = stream;
        Reader = reader;
        Decoder = decoder;
        _time = time;
        _encoder = new MqttPacketEncoder(version);
        _lastWrite = time.GetTimestamp();
        Version = version;
    }

    public PipeReader Reader { get; }

    public MqttPacketDecoder Decoder { get; }

    public MqttProtocolVersion Version { get; }

    public CancellationToken Closing => _cts.Token;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public Task WriterTask { get; private set; } = Task.CompletedTask;

    /// <summary>How many times the keep-alive loop has started an idle wait (lets fake-time tests sequence their steps).</summary>
    public int IdleWaits => Volatile.Read(ref _idleWaits);

    /// <summary>Writes packets directly (before the writer loop starts: CONNECT, resends).</summary>
    public async Task WriteDirectAsync(IEnumerable<MqttPacket> packets, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        foreach (var p in packets)
        {
            _encoder.Encode(p, buffer);
            if (buffer.WrittenCount >= FlushThreshold)
            {
                await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        if (buffer.WrittenCount > 0)
        {
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
        }

        await _stream.FlushAsync(cancellationToken);
        Volatile.Write(ref _lastWrite, _time.GetTimestamp());
    }

    public void StartWriter(Action<MqttConnection, Exception> onFailure)
    {
        WriterTask = Task.Run(() => WriteLoopAsync(onFailure));
    }

    /// <summary>Queues a packet; false when the connection is closing (the caller decides what that means).</summary>
    public bool Enqueue(in Outgoing item) => _outgoing.Writer.TryWrite(item);

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        _cts.Cancel();
        _stream.Dispose();
        _pingResponse?.TrySetCanceled();
    }

    /// <summary>Items still queued when the connection closed (so their waiters can be failed).</summary>
    public IEnumerable<Outgoing> DrainUnsent()
    {
        while (_outgoing.Reader.TryRead(out var item))
        {
            yield return item;
        }
    }

    public void PingResponseReceived() => Volatile.Read(ref _pingResponse)?.TrySetResult();

    /// <summary>Sends PINGREQ whenever nothing was written for keepAlive; fails the connection if PINGRESP is late.</summary>
    public async Task KeepAliveLoopAsync(TimeSpan keepAlive, TimeSpan pingTimeout, Action<MqttConnection, Exception> onFailure)
    {
        if (keepAlive <= TimeSpan.Zero)
        {
            return;
        }

        var token = _cts.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastWrite));
                if (idle < keepAlive)
                {
                    Interlocked.Increment(ref _idleWaits);
                    await Task.Delay(keepAlive - idle, _time, token);
                    continue;
                }

                var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _pingResponse, pong);
                if (!Enqueue(new Outgoing(new PingReqPacket())))
                {
                    return;
                }

                Volatile.Write(ref _lastWrite, _time.GetTimestamp());
                using var timeout = new CancellationTokenSource(pingTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                try
                {
                    await pong.Task.WaitAsync(linked.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    onFailure(this, new MqttConnectionLostException($"no PINGRESP within {pingTimeout.TotalSeconds:0.###} s (keep-alive {keepAlive.TotalSeconds:0.###} s)"));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>Registers a received QoS 1 message whose PUBACK must go out in receive order.</summary>
    public InboundAck TrackInbound(ushort packetId)
    {
        var ack = new InboundAck(packetId);
        lock (_ackGate)
        {
            _acks.Enqueue(ack);
        }

        return ack;
    }

    /// <summary>Marks a message acknowledged and sends every PUBACK that is now due, in receive order.</summary>
    public void Acknowledge(InboundAck ack)
    {
        lock (_ackGate)
        {
            if (ack.Acknowledged)
            {
                return;
            }

            ack.Acknowledged = true;
            while (_acks.TryPeek(out var head) && head.Acknowledged)
            {
                _acks.Dequeue();
                Enqueue(new Outgoing(new PubAckPacket(MqttPacketType.PubAck) { PacketId = head.PacketId }));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        try
        {
            await WriterTask;
        }
        catch (OperationCanceledException)
        {
        }

        await Reader.CompleteAsync();
        _cts.Dispose();
    }

    private async Task WriteLoopAsync(Action<MqttConnection, Exception> onFailure)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushThreshold + 1024);
        var written = new List<TaskCompletionSource>();
        var reader = _outgoing.Reader;
        var token = _cts.Token;
        try
        {
            while (await reader.WaitToReadAsync(token))
            {
                buffer.ResetWrittenCount();
                written.Clear();
                while (buffer.WrittenCount < FlushThreshold && reader.TryRead(out var item))
                {
                    if (item.Publish is { } pending)
                    {
                        if (pending.Completion.Task.IsCompleted || pending.WrittenOn == this)
                        {
                            continue;
                        }

                        pending.WrittenOn = this;
                    }

                    _encoder.Encode(item.Packet, buffer);
                    if (item.Written is not null)
                    {
                        written.Add(item.Written);
                    }
                }

                if (buffer.WrittenCount == 0)
                {
                    continue;
                }

                await _stream.WriteAsync(buffer.WrittenMemory, token);
                await _stream.FlushAsync(token);
                Volatile.Write(ref _lastWrite, _time.GetTimestamp());
                foreach (var w in written)
                {
                    w.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (IOException e)
        {
            onFailure(this, new MqttConnectionLostException("writing to the server failed: " + e.Message, e));
        }
        catch (ObjectDisposedException e)
        {
            onFailure(this, new MqttConnectionLostException("connection closed", e));
        }
        finally
        {
            foreach (var w in written)
            {
                w.TrySetException(new MqttConnectionLostException("connection lost before the packet was written"));
            }
        }
    }
}

/// <summary>A packet waiting for the writer loop.</summary>
internal readonly record struct Outgoing(MqttPacket Packet, TaskCompletionSource? Written = null, PendingPublish? Publish = null);

/// <summary>An outgoing QoS 1 publish that holds a packet id and a window slot until PUBACK.</summary>
internal sealed class PendingPublish
{
    public PendingPublish(PublishPacket packet, long sequence)
    {
        Packet = packet;
        Sequence = sequence;
    }

    public PublishPacket Packet { get; }

    public long Sequence { get; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The connection this publish was last written on (written at most once per connection).</summary>
    public MqttConnection? WrittenOn { get; set; }
}

/// <summary>A received QoS 1 message awaiting the application's acknowledgement.</summary>
internal sealed class InboundAck
{
    public InboundAck(ushort packetId)
    {
        PacketId = packetId;
    }

    public ushort PacketId { get; }

    public bool Acknowledged { get; set; }
}
