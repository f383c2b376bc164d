using System.Buffers;
using System.IO.Pipelines;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// One transport connection: a stream, its writer loop, reader loop and keep-alive loop.
/// Outgoing packets wait in one FIFO queue; the writer loop takes the whole queue at once, writes it (in chunks of
/// up to 64 KiB, then one flush) and only then completes the waiters of what it took.
/// </summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private const int KeptQueueCapacity = 16 * 1024;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly MqttPacketEncoder _encoder;
    private readonly Lock _queueGate = new();
    private readonly CancellationTokenSource _cts = new();
    private readonly Lock _ackGate = new();
    private readonly Queue<InboundAck> _acks = new();
    private long _lastWrite;
    private int _idleWaits;
    private int _closed;
    private TaskCompletionSource? _pingResponse;

    // Guarded by _queueGate. _queue: packets not yet taken by the writer, in enqueue order. _openBatch: the one
    // completion shared by every QoS 0 publish in _queue (reset whenever the writer takes the queue, so a batch is
    // always written by exactly one pass of the writer). _writerWake: set while the writer waits for work.
    private List<Outgoing> _queue = [];
    private TaskCompletionSource? _openBatch;
    private TaskCompletionSource? _writerWake;
    private bool _queueClosed;

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

    /// <summary>Packets queued and not yet taken by the writer (lets tests know the writer has taken everything).</summary>
    public int QueuedCount
    {
        get
        {
            lock (_queueGate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>How many times the keep-alive loop has started an idle wait (lets fake-time tests sequence their steps).</summary>
    public int IdleWaits => Volatile.Read(ref _idleWaits);

    /// <summary>Writes packets directly (before the writer loop starts: CONNECT, resends).</summary>
    public async Task WriteDirectAsync(IEnumerable<MqttPacket> packets, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        foreach (var p in packets)
        {
            _encoder.Encode(p, buffer);
            await DrainAsync(buffer, final: false, cancellationToken);
        }

        await DrainAsync(buffer, final: true, cancellationToken);
    }

    /// <summary>
    /// Writes the buffer to the stream once it holds <see cref="FlushThreshold"/> bytes; with <paramref name="final"/>
    /// writes whatever it holds, flushes, and records the write time (keep-alive).
    /// </summary>
    private async ValueTask DrainAsync(ArrayBufferWriter<byte> buffer, bool final, CancellationToken cancellationToken)
    {
        if (buffer.WrittenCount >= FlushThreshold || (final && buffer.WrittenCount > 0))
        {
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken);
            buffer.ResetWrittenCount();
        }

        if (final)
        {
            await _stream.FlushAsync(cancellationToken);
            Volatile.Write(ref _lastWrite, _time.GetTimestamp());
        }
    }

    public void StartWriter(Action<MqttConnection, Exception> onFailure)
    {
        WriterTask = Task.Run(() => WriteLoopAsync(onFailure));
    }

    /// <summary>Queues a packet; false when the connection is closing (the caller decides what that means).</summary>
    public bool Enqueue(in Outgoing item)
    {
        TaskCompletionSource? wake;
        lock (_queueGate)
        {
            if (_queueClosed)
            {
                return false;
            }

            _queue.Add(item);
            wake = _writerWake;
            _writerWake = null;
        }

        wake?.TrySetResult();
        return true;
    }

    /// <summary>
    /// Queues a QoS 0 publish. Returns the completion it shares with every other QoS 0 publish queued before the
    /// writer's next pass: it succeeds once that pass has written and flushed all of them, and fails (with
    /// <see cref="MqttConnectionLostException"/>) if the connection is lost first. Null when the connection is closing.
    /// </summary>
    public Task? EnqueueAtMostOnce(PublishPacket packet)
    {
        TaskCompletionSource? wake;
        TaskCompletionSource batch;
        lock (_queueGate)
        {
            if (_queueClosed)
            {
                return null;
            }

            batch = _openBatch ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _queue.Add(new Outgoing(packet, batch));
            wake = _writerWake;
            _writerWake = null;
        }

        wake?.TrySetResult();
        return batch.Task;
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        TaskCompletionSource? wake;
        lock (_queueGate)
        {
            _queueClosed = true;
            wake = _writerWake;
            _writerWake = null;
        }

        wake?.TrySetResult();
        _cts.Cancel();
        _stream.Dispose();
        _pingResponse?.TrySetCanceled();
    }

    /// <summary>Items still queued (not taken by the writer) when the connection closed, so their waiters can be failed.</summary>
    public IReadOnlyList<Outgoing> DrainUnsent()
    {
        lock (_queueGate)
        {
            var unsent = _queue;
            _queue = [];
            _openBatch = null;
            return unsent;
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
        var taken = new List<Outgoing>();
        var token = _cts.Token;
        try
        {
            while (true)
            {
                Task? idle = null;
                lock (_queueGate)
                {
                    if (_queueClosed)
                    {
                        break;
                    }

                    if (_queue.Count == 0)
                    {
                        _writerWake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        idle = _writerWake.Task;
                    }
                    else
                    {
                        // Take everything queued; QoS 0 publishes queued from now on share a new completion.
                        (_queue, taken) = (taken, _queue);
                        _openBatch = null;
                    }
                }

                if (idle is not null)
                {
                    await idle;
                    continue;
                }

                await WriteTakenAsync(taken, buffer, written, token);
                foreach (var w in written)
                {
                    w.TrySetResult();
                }

                written.Clear();
                taken.Clear();
                if (taken.Capacity > KeptQueueCapacity)
                {
                    // Do not keep the memory of a one-off burst.
                    taken = [];
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
        catch (Exception e)
        {
            // Anything else (a stream throwing what it should not, a bug): the writer is gone, so the connection is
            // lost now, not only when the keep-alive notices that no PINGREQ goes out.
            onFailure(this, new MqttConnectionLostException($"the MQTT writer failed: {e.GetType().Name}: {e.Message}", e));
        }
        finally
        {
            // Whatever this pass took and did not finish writing fails; the rest of the queue is failed by DrainUnsent.
            if (taken.Count > 0)
            {
                var lost = new MqttConnectionLostException("connection lost before the packet was written");
                foreach (var item in taken)
                {
                    item.Written?.TrySetException(lost);
                }
            }
        }
    }

    private async ValueTask WriteTakenAsync(List<Outgoing> taken, ArrayBufferWriter<byte> buffer, List<TaskCompletionSource> written, CancellationToken token)
    {
        buffer.ResetWrittenCount();
        foreach (var item in taken)
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

            // QoS 0 publishes of one pass share one completion: list it once.
            if (item.Written is { } w && (written.Count == 0 || written[^1] != w))
            {
                written.Add(w);
            }

            await DrainAsync(buffer, final: false, token);
        }

        await DrainAsync(buffer, final: true, token);
    }
}

/// <summary>A packet waiting for the writer loop; <paramref name="Written"/> completes once it is written and flushed.</summary>
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
