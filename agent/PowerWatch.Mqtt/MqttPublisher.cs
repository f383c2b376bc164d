using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// The publish path of a client: validates a message, builds its PUBLISH, and hands it to the connection in call
/// order: QoS 0 straight to the connection's queue, QoS 1 after taking a slot of the in-flight window and a packet id,
/// tracked in the <see cref="MqttSession"/> until its PUBACK (or kept for resend while disconnected).
/// </summary>
internal sealed class MqttPublisher : IDisposable
{
    private readonly MqttClientOptions _options;
    private readonly Lock _gate;
    private readonly MqttSession _session;
    private readonly PacketIdDispatcher _ids;
    private readonly InFlightWindow _window;
    private readonly Func<MqttConnection?> _currentConnectionLocked;
    private readonly SemaphoreSlim _publishOrder = new(1, 1);

    /// <param name="gate">The client's state lock (guards <paramref name="session"/> and <paramref name="ids"/>).</param>
    /// <param name="currentConnectionLocked">The open connection or null; throws <see cref="ObjectDisposedException"/> when the client is disposed. Called under <paramref name="gate"/>.</param>
    public MqttPublisher(MqttClientOptions options, Lock gate, MqttSession session, PacketIdDispatcher ids, InFlightWindow window, Func<MqttConnection?> currentConnectionLocked)
    {
        _options = options;
        _gate = gate;
        _session = session;
        _ids = ids;
        _window = window;
        _currentConnectionLocked = currentConnectionLocked;
    }

    /// <summary>See <see cref="MqttClient.PublishAsync"/>.</summary>
    public Task PublishAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        if (message is null)
        {
            return Task.FromException(new ArgumentNullException(nameof(message)));
        }

        if (MqttTopic.ValidateTopicName(message.Topic) is { } why)
        {
            return Task.FromException(new ArgumentException(why, nameof(message)));
        }

        if (message.QualityOfService == MqttQualityOfService.ExactlyOnce)
        {
            return Task.FromException(new NotSupportedException("publishing at QoS 2 is not supported; use QoS 1 (idempotent writes downstream)"));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var packet = new PublishPacket
        {
            Topic = message.Topic,
            Payload = message.Payload,
            QoS = message.QualityOfService,
            Retain = message.Retain,
            Properties = _options.ProtocolVersion == MqttProtocolVersion.V500 ? MqttPacketMapping.ToProperties(message) : null,
        };

        // Fast path (QoS 0, nobody ahead of us in the publish order): no async state machine, no wait.
        if (packet.QoS == MqttQualityOfService.AtMostOnce && TryEnterPublishOrder())
        {
            Task written;
            try
            {
                written = EnqueueAtMostOnce(packet);
            }
            finally
            {
                ExitPublishOrder();
            }

            return cancellationToken.CanBeCanceled && !written.IsCompleted ? written.WaitAsync(cancellationToken) : written;
        }

        return PublishOrderedAsync(packet, cancellationToken);
    }

    private async Task PublishOrderedAsync(PublishPacket packet, CancellationToken cancellationToken)
    {
        // Publishes enter the connection in call order, even while some wait for a window slot.
        await _publishOrder.WaitAsync(cancellationToken);
        Task completion;
        try
        {
            completion = await EnqueuePublishAsync(packet, cancellationToken);
        }
        finally
        {
            _publishOrder.Release();
        }

        await completion.WaitAsync(cancellationToken);
    }

    /// <summary>Takes the publish-order gate if it is free right now (false also when disposed: the slow path reports that).</summary>
    private bool TryEnterPublishOrder()
    {
        try
        {
            return _publishOrder.Wait(0, CancellationToken.None);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private void ExitPublishOrder()
    {
        try
        {
            _publishOrder.Release();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: nobody waits for the gate any more.
        }
    }

    /// <summary>Queues a QoS 0 publish (caller holds the publish order); failures come back as a faulted task.</summary>
    private Task EnqueueAtMostOnce(PublishPacket packet)
    {
        lock (_gate)
        {
            MqttConnection? connection;
            try
            {
                connection = _currentConnectionLocked();
            }
            catch (ObjectDisposedException e)
            {
                return Task.FromException(e);
            }

            return connection?.EnqueueAtMostOnce(packet)
                ?? Task.FromException(new MqttConnectionLostException("not connected: QoS 0 message not sent"));
        }
    }

    private async Task<Task> EnqueuePublishAsync(PublishPacket packet, CancellationToken cancellationToken)
    {
        if (packet.QoS == MqttQualityOfService.AtMostOnce)
        {
            return EnqueueAtMostOnce(packet);
        }

        await _window.AcquireAsync(cancellationToken);
        lock (_gate)
        {
            MqttConnection? connection;
            try
            {
                connection = _currentConnectionLocked();
            }
            catch (ObjectDisposedException)
            {
                _window.Release();
                throw;
            }

            if (connection is null && !_options.PersistentSession)
            {
                _window.Release();
                throw new MqttConnectionLostException("not connected (clean session): QoS 1 message not sent");
            }

            packet.PacketId = _ids.AllocateLocked();
            var pending = _session.AddPublishLocked(packet);

            // If the connection is closing, the loss handler either keeps this publish for resend or fails it.
            connection?.Enqueue(new Outgoing(packet, null, pending));
            return pending.Completion.Task;
        }
    }

    public void Dispose() => _publishOrder.Dispose();
}
