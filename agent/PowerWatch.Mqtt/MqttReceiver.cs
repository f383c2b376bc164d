using System.Threading.Channels;
using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// The read side of a connection: decodes packets from the server and routes each one: PUBLISH to the application
/// (acknowledged automatically or in receive order), PUBACK to the publish in flight with that packet id (freeing a
/// window slot), SUBACK/UNSUBACK to the request with that id, PINGRESP to the keep-alive. Anything a server must not
/// send is a protocol error that loses the connection (MQTT 5: after a DISCONNECT naming the reason).
/// </summary>
internal sealed class MqttReceiver
{
    private readonly MqttClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate;
    private readonly MqttSession _session;
    private readonly PacketIdDispatcher _requests;
    private readonly InFlightWindow _window;
    private readonly ChannelWriter<MqttReceivedMessage> _received;
    private readonly Action<MqttConnection, Exception?> _loseConnection;

    /// <param name="gate">The client's state lock, which guards <paramref name="session"/> and <paramref name="requests"/>.</param>
    public MqttReceiver(MqttClientOptions options, Lock gate, MqttSession session, PacketIdDispatcher requests, InFlightWindow window, ChannelWriter<MqttReceivedMessage> received, Action<MqttConnection, Exception?> loseConnection)
    {
        _options = options;
        _time = options.TimeProvider;
        _gate = gate;
        _session = session;
        _requests = requests;
        _window = window;
        _received = received;
        _loseConnection = loseConnection;
    }

    /// <summary>Reads and handles packets until the connection closes; a failure loses the connection.</summary>
    public async Task ReadLoopAsync(MqttConnection connection)
    {
        var token = connection.Closing;
        try
        {
            while (true)
            {
                var result = await connection.Reader.ReadAsync(token);
                var buffer = result.Buffer;
                try
                {
                    while (connection.Decoder.TryDecode(ref buffer, out var packet))
                    {
                        await HandleAsync(connection, packet, token);
                    }

                    if (result.IsCompleted)
                    {
                        throw new MqttConnectionLostException(buffer.Length == 0
                            ? "the server closed the connection"
                            : $"the server closed the connection in the middle of a packet ({buffer.Length} bytes pending)");
                    }
                }
                finally
                {
                    connection.Reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (MqttProtocolException e)
        {
            if (connection.Version == MqttProtocolVersion.V500)
            {
                var code = e.Error == MqttProtocolError.PacketTooLarge ? MqttReasonCode.PacketTooLarge
                    : e.Error is MqttProtocolError.UnexpectedPacket or MqttProtocolError.UnknownPacketIdentifier or MqttProtocolError.TopicAliasNotAllowed ? MqttReasonCode.ProtocolError
                    : MqttReasonCode.MalformedPacket;
                var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (connection.Enqueue(new Outgoing(new DisconnectPacket { ReasonCode = code }, sent)))
                {
                    // Best effort: tell the server why, but never wait long for a broken peer.
                    await Task.WhenAny(sent.Task.WaitAsync(TimeSpan.FromSeconds(1), _time));
                }
            }

            _loseConnection(connection, e);
        }
        catch (MqttConnectionLostException e)
        {
            _loseConnection(connection, e);
        }
        catch (IOException e)
        {
            _loseConnection(connection, new MqttConnectionLostException("reading from the server failed: " + e.Message, e));
        }
        catch (ObjectDisposedException e)
        {
            _loseConnection(connection, new MqttConnectionLostException("connection closed", e));
        }
    }

    private async ValueTask HandleAsync(MqttConnection connection, MqttPacket packet, CancellationToken cancellationToken)
    {
        switch (packet)
        {
            case PublishPacket p:
                await HandlePublishAsync(connection, p, cancellationToken);
                break;
            case PubAckPacket { Type: MqttPacketType.PubAck } ack:
                PendingPublish? pending;
                lock (_gate)
                {
                    pending = _session.CompletePublishLocked(ack.PacketId);
                    if (pending is not null)
                    {
                        _window.Release();
                    }
                }

                if (pending is null)
                {
                    throw new MqttProtocolException(MqttProtocolError.UnknownPacketIdentifier, $"PUBACK for packet id {ack.PacketId}, which is not in flight");
                }

                if ((byte)ack.ReasonCode >= 0x80)
                {
                    pending.Completion.TrySetException(new MqttPublishException(ack.ReasonCode, pending.Packet.Topic, ack.Properties?.ReasonString));
                }
                else
                {
                    pending.Completion.TrySetResult();
                }

                break;
            case PubAckPacket { Type: MqttPacketType.PubRel } rel:
                lock (_gate)
                {
                    _session.ReleaseInboundQos2Locked(rel.PacketId);
                }

                connection.Enqueue(new Outgoing(new PubAckPacket(MqttPacketType.PubComp) { PacketId = rel.PacketId }));
                break;
            case PubAckPacket other:
                throw new MqttProtocolException(MqttProtocolError.UnknownPacketIdentifier, $"{other.Type} for packet id {other.PacketId}: this client never publishes at QoS 2");
            case SubAckPacket or UnsubAckPacket:
                var id = packet is SubAckPacket s ? s.PacketId : ((UnsubAckPacket)packet).PacketId;
                TaskCompletionSource<MqttPacket>? request;
                lock (_gate)
                {
                    request = _requests.TakeRequestLocked(id);
                }

                if (request is null)
                {
                    throw new MqttProtocolException(MqttProtocolError.UnknownPacketIdentifier, $"{packet.Type} for packet id {id}, which is not pending");
                }

                // The requester may have stopped waiting (cancelled); the id is free again either way.
                request.TrySetResult(packet);

                break;
            case PingRespPacket:
                connection.PingResponseReceived();
                break;
            case DisconnectPacket d:
                throw new MqttConnectionLostException($"the server sent DISCONNECT: {MqttReasonCodes.Describe(d.ReasonCode)}{(d.Properties?.ReasonString is { } rs ? " - " + rs : "")}");
            default:
                throw new MqttProtocolException(MqttProtocolError.UnexpectedPacket, $"a server must not send {packet.Type}");
        }
    }

    private async ValueTask HandlePublishAsync(MqttConnection connection, PublishPacket p, CancellationToken cancellationToken)
    {
        if (p.Properties?.TopicAlias is not null)
        {
            throw new MqttProtocolException(MqttProtocolError.TopicAliasNotAllowed, "the server used a Topic Alias although Topic Alias Maximum is 0");
        }

        var message = MqttPacketMapping.ToMessage(p);
        switch (p.QoS)
        {
            case MqttQualityOfService.AtMostOnce:
                await _received.WriteAsync(new MqttReceivedMessage(message, 0, false, connection, null), cancellationToken);
                break;
            case MqttQualityOfService.AtLeastOnce:
                if (_options.AutoAcknowledge)
                {
                    await _received.WriteAsync(new MqttReceivedMessage(message, p.PacketId, p.Dup, connection, null), cancellationToken);
                    connection.Enqueue(new Outgoing(new PubAckPacket(MqttPacketType.PubAck) { PacketId = p.PacketId }));
                }
                else
                {
                    var ack = connection.TrackInbound(p.PacketId);
                    await _received.WriteAsync(new MqttReceivedMessage(message, p.PacketId, p.Dup, connection, ack), cancellationToken);
                }

                break;
            default:
                bool fresh;
                lock (_gate)
                {
                    fresh = _session.AddInboundQos2Locked(p.PacketId);
                }

                if (fresh)
                {
                    await _received.WriteAsync(new MqttReceivedMessage(message, p.PacketId, p.Dup, connection, null), cancellationToken);
                }

                connection.Enqueue(new Outgoing(new PubAckPacket(MqttPacketType.PubRec) { PacketId = p.PacketId }));
                break;
        }
    }
}
