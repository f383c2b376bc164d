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
    private readonly Lock _gate;
    private readonly MqttSession _session;
    private ushort _lastPacketId;

    /// <param name="gate">The client's state lock, which guards this dispatcher and <paramref name="session"/>.</param>
    public PacketIdDispatcher(Lock gate, MqttSession session)
    {
        _gate = gate;
        _session = session;
    }

    /// <summary>Fails requests taken from a dispatcher.</summary>
    public static void Fail(List<TaskCompletionSource<MqttPacket>> requests, Exception error)
    {
        foreach (var r in requests)
        {
            r.TrySetException(error);
        }
    }

    /// <summary>Sends a request with a fresh packet id (given to <paramref name="setId"/>) and waits for the reply with that id.</summary>
    public async Task<MqttPacket> RequestAsync(MqttConnection connection, MqttPacket packet, Action<ushort> setId, CancellationToken cancellationToken)
    {
        TaskCompletionSource<MqttPacket> reply;
        lock (_gate)
        {
            reply = AddRequestLocked(setId);
        }

        if (!connection.Enqueue(new Outgoing(packet)))
        {
            throw new MqttConnectionLostException("connection lost");
        }

        // On cancellation the id stays reserved until the reply (or the connection loss) arrives.
        return await reply.Task.WaitAsync(cancellationToken);
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
