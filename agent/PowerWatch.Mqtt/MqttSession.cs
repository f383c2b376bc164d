using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// What outlives one connection: outgoing QoS 1 publishes in flight (kept in publish order for resend after a
/// reconnect when the session is persistent), inbound QoS 2 packet ids awaiting PUBREL, the subscriptions to restore
/// when the server lost the session, and the client id the server assigned. Every member is guarded by the client's
/// state lock (methods ending in <c>Locked</c>).
/// </summary>
internal sealed class MqttSession
{
    private readonly Dictionary<ushort, PendingPublish> _inflight = [];
    private readonly HashSet<ushort> _inboundQos2 = [];
    private readonly List<MqttSubscription> _subscriptions = [];
    private long _publishSequence;

    /// <summary>True once a connection was accepted: reconnects then resume a persistent session.</summary>
    public bool EverConnected { get; set; }

    /// <summary>A server-assigned id (MQTT 5, empty ClientId), reused so that reconnects resume the same session.</summary>
    public string? AssignedClientId { get; set; }

    public int InFlightCountLocked => _inflight.Count;

    public bool IsInFlightLocked(ushort packetId) => _inflight.ContainsKey(packetId);

    /// <summary>Tracks a QoS 1 publish whose packet id is already set, in publish order.</summary>
    public PendingPublish AddPublishLocked(PublishPacket packet)
    {
        var pending = new PendingPublish(packet, ++_publishSequence);
        _inflight.Add(packet.PacketId, pending);
        return pending;
    }

    /// <summary>Stops tracking the publish acknowledged by a PUBACK; null when it was not in flight.</summary>
    public PendingPublish? CompletePublishLocked(ushort packetId) =>
        _inflight.Remove(packetId, out var pending) ? pending : null;

    /// <summary>Every publish in flight, in publish order (to resend first on a new connection).</summary>
    public List<PendingPublish> InFlightInOrderLocked() => [.. _inflight.Values.OrderBy(p => p.Sequence)];

    /// <summary>
    /// Writes the publishes kept in flight on a new connection, in their original order, before anything new
    /// (MQTT 5.0 §4.4); DUP is set on those already written on an earlier connection of a resumed session.
    /// </summary>
    public static async Task ResendAsync(MqttConnection connection, List<PendingPublish> resend, bool sessionPresent, CancellationToken cancellationToken)
    {
        foreach (var p in resend)
        {
            p.Packet.Dup = p.WrittenOn is not null && sessionPresent;
            p.WrittenOn = connection;
        }

        if (resend.Count > 0)
        {
            await connection.WriteDirectAsync(resend.Select(p => (MqttPacket)p.Packet), cancellationToken);
        }
    }

    /// <summary>Forgets every publish in flight and returns them (to fail them).</summary>
    public List<PendingPublish> TakeAllInFlightLocked()
    {
        List<PendingPublish> all = [.. _inflight.Values];
        _inflight.Clear();
        return all;
    }

    /// <summary>Records an inbound QoS 2 publish; false when its packet id was already seen (a duplicate).</summary>
    public bool AddInboundQos2Locked(ushort packetId) => _inboundQos2.Add(packetId);

    public void ReleaseInboundQos2Locked(ushort packetId) => _inboundQos2.Remove(packetId);

    /// <summary>The subscriptions to restore on a new connection (none when the server kept the session).</summary>
    public List<MqttSubscription> BeginConnectionLocked(bool sessionPresent)
    {
        if (sessionPresent)
        {
            return [];
        }

        _inboundQos2.Clear();
        return [.. _subscriptions];
    }

    public void RecordSubscribedLocked(IReadOnlyList<MqttSubscription> subscriptions, IReadOnlyList<MqttSubscribeResult> results)
    {
        foreach (var (s, r) in subscriptions.Zip(results))
        {
            _subscriptions.RemoveAll(x => x.TopicFilter == s.TopicFilter);
            if (r.Succeeded)
            {
                _subscriptions.Add(s);
            }
        }
    }

    public void RecordUnsubscribedLocked(IReadOnlyList<string> topicFilters) =>
        _subscriptions.RemoveAll(s => topicFilters.Contains(s.TopicFilter));
}
