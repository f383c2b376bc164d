using PowerWatch.Mqtt.Packets;

namespace PowerWatch.Mqtt;

/// <summary>
/// Packet identifiers and the requests waiting on them: allocates ids unused by publishes in flight and by pending
/// SUBSCRIBE/UNSUBSCRIBE requests, correlates each SUBACK/UNSUBACK with its request, and fails every pending request
/// when the connection is lost. Guarded by the client's state lock (methods ending in <c>Locked</c>).
/// </summary>
internal sealed class PacketIdDispatcher
{
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _requests = [];
    private readonly MqttSession _session;
    private ushort _lastPacketId;

    public PacketIdDispatcher(MqttSession session)
    {
        _session = session;
    }

    public ushort AllocateLocked()
    {
        for (var i = 0; i < 65_535; i++)
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
            if (!_session.IsInFlightLocked(_lastPacketId) && !_requests.ContainsKey(_lastPacketId))
            {
                return _lastPacketId;
            }
        }

        throw new InvalidOperationException("all 65,535 packet identifiers are in use");
    }

    /// <summary>Allocates an id for a request (given to <paramref name="setId"/>) and returns what completes with its reply.</summary>
    public TaskCompletionSource<MqttPacket> AddRequestLocked(Action<ushort> setId)
    {
        var reply = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = AllocateLocked();
        setId(id);
        _requests.Add(id, reply);
        return reply;
    }

    /// <summary>The request a SUBACK/UNSUBACK answers (its id is free again); null when none is pending.</summary>
    public TaskCompletionSource<MqttPacket>? TakeRequestLocked(ushort packetId) =>
        _requests.Remove(packetId, out var request) ? request : null;

    /// <summary>Forgets every pending request and returns them (to fail them: requests are not resent).</summary>
    public List<TaskCompletionSource<MqttPacket>> TakeAllRequestsLocked()
    {
        List<TaskCompletionSource<MqttPacket>> all = [.. _requests.Values];
        _requests.Clear();
        return all;
    }
}
