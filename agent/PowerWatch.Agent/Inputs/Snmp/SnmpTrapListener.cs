using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using PowerWatch.Snmp;

namespace PowerWatch.Agent.Inputs.Snmp;

/// <summary>
/// Options of the SNMP notification receiver (<c>PowerWatch:SnmpTraps</c>): where v1/v2c traps and informs from
/// the configured SNMP devices arrive. Off by default (port 162 needs privileges or a capability).
/// </summary>
internal sealed class SnmpTrapOptions
{
    /// <summary>Listen for traps and informs.</summary>
    public bool Enabled { get; set; }

    /// <summary>Local address to bind (<c>0.0.0.0</c>: every IPv4 interface).</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>UDP port (162 is the standard trap port; 0 picks a free one, for tests).</summary>
    public int Port { get; set; } = 162;
}

/// <summary>Counters of the trap receiver (exposed on <c>/metrics</c> as <c>powerwatch_snmp_traps_total{result=…}</c>).</summary>
internal sealed class SnmpTrapStatistics
{
    private long _accepted;
    private long _unknown;
    private long _unauthenticated;
    private long _malformed;

    /// <summary>Traps and informs from a configured device with its community: the device was asked to poll at once.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Notifications from an address that is no configured SNMP device (dropped).</summary>
    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>Notifications with another community than the device's, or SNMPv3 ones (not supported; dropped).</summary>
    public long Unauthenticated => Interlocked.Read(ref _unauthenticated);

    /// <summary>Datagrams that are not SNMP notifications (dropped).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    internal void Count(SnmpTrapOutcome outcome)
    {
        switch (outcome)
        {
            case SnmpTrapOutcome.Accepted: Interlocked.Increment(ref _accepted); break;
            case SnmpTrapOutcome.Unknown: Interlocked.Increment(ref _unknown); break;
            case SnmpTrapOutcome.Unauthenticated: Interlocked.Increment(ref _unauthenticated); break;
            default: Interlocked.Increment(ref _malformed); break;
        }
    }
}

/// <summary>What became of one received datagram.</summary>
internal enum SnmpTrapOutcome
{
    Accepted,
    Unknown,
    Unauthenticated,
    Malformed,
}

/// <summary>
/// Receives SNMPv1 traps, SNMPv2 traps and informs on one UDP port. A notification from the address of a
/// configured SNMP device, carrying that device's community, makes the poller read the device at once (the path
/// the APC Smart alert character uses, <see cref="IPollRequestingInput"/>), so an on-battery, transfer or outlet
/// event is seen well under a poll interval; an inform is answered with a Response. Everything else is counted
/// and dropped. The community is compared in fixed time and never logged.
/// </summary>
internal sealed class SnmpTrapListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, List<(SnmpDeviceInput Input, byte[] Community)>> _devices = [];
    private readonly Task _loop;

    public SnmpTrapListener(IPEndPoint bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(bind);
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(() => ReceiveLoopAsync(_stop.Token));
    }

    /// <summary>Where the listener is bound (the port picked when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public SnmpTrapStatistics Statistics { get; } = new();

    /// <summary>The pool key of the agent's one listener.</summary>
    internal const string PoolKey = "snmp notifications";

    /// <summary>Registers <paramref name="input"/> with the host's listener (created on first use) when traps are enabled.</summary>
    internal static void Attach(SnmpDeviceInput input, string community, InputContext context)
    {
        var options = context.Options.SnmpTraps;
        if (!options.Enabled)
        {
            return;
        }

        var listener = context.Clients.GetOrAdd(PoolKey, () => new SnmpTrapListener(new IPEndPoint(IPAddress.Parse(options.Address), options.Port)));
        listener.Register(input, community);
    }

    /// <summary>Notifications from the agent address of <paramref name="input"/> with <paramref name="community"/> request a poll of it.</summary>
    public void Register(SnmpDeviceInput input, string community)
    {
        ArgumentNullException.ThrowIfNull(input);
        var addresses = input.Agent switch
        {
            IPEndPoint ip => [ip.Address],
            DnsEndPoint dns => Dns.GetHostAddresses(dns.Host),
            _ => Array.Empty<IPAddress>(),
        };
        lock (_gate)
        {
            foreach (var address in addresses)
            {
                var key = Normalize(address);
                if (!_devices.TryGetValue(key, out var list))
                {
                    _devices[key] = list = [];
                }

                list.Add((input, System.Text.Encoding.UTF8.GetBytes(community)));
            }
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[BerLimits.MaxMessageSize + 1];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                // ICMP errors from an earlier reply (connection reset on Windows, refused): keep listening.
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var from = (IPEndPoint)received.RemoteEndPoint;
            var (outcome, reply) = Handle(buffer.AsSpan(0, received.ReceivedBytes), from.Address);
            Statistics.Count(outcome);
            if (reply is not null)
            {
                try
                {
                    await _socket.SendToAsync(reply, SocketFlags.None, from, cancellationToken);
                }
                catch (SocketException)
                {
                    // The sender resends an unanswered inform.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Judges one datagram from <paramref name="sender"/>: the outcome, and the Response to send for an accepted inform.</summary>
    internal (SnmpTrapOutcome Outcome, byte[]? Reply) Handle(ReadOnlySpan<byte> datagram, IPAddress sender)
    {
        SnmpCommunityMessage message;
        try
        {
            if (SnmpMessage.PeekVersion(datagram) == SnmpVersion.V3)
            {
                // SNMPv3 notifications need the sender's engine and user keys: not supported, so not authenticated.
                return (SnmpTrapOutcome.Unauthenticated, null);
            }

            message = SnmpCommunityMessage.Decode(datagram);
        }
        catch (SnmpProtocolException)
        {
            return (SnmpTrapOutcome.Malformed, null);
        }

        if (message.Pdu.Type is not (SnmpPduType.TrapV1 or SnmpPduType.TrapV2 or SnmpPduType.InformRequest))
        {
            return (SnmpTrapOutcome.Malformed, null);
        }

        List<(SnmpDeviceInput Input, byte[] Community)>? candidates;
        lock (_gate)
        {
            candidates = _devices.TryGetValue(Normalize(sender), out var list) ? [.. list] : null;
        }

        if (candidates is null)
        {
            return (SnmpTrapOutcome.Unknown, null);
        }

        var matched = candidates.Where(c => CryptographicOperations.FixedTimeEquals(c.Community, message.Community.Span)).ToList();
        if (matched.Count == 0)
        {
            return (SnmpTrapOutcome.Unauthenticated, null);
        }

        var reason = "SNMP " + (message.Pdu.Type == SnmpPduType.InformRequest ? "inform" : "trap") + " " + NotificationName(message.Pdu);
        foreach (var (input, _) in matched)
        {
            input.RequestPoll(reason);
        }

        byte[]? reply = null;
        if (message.Pdu.Type == SnmpPduType.InformRequest)
        {
            // RFC 3416 §4.2.7: a Response with the same request-id and variable bindings, error-status 0.
            var response = new SnmpCommunityMessage(message.Version, message.Community, new SnmpPdu(SnmpPduType.Response, message.Pdu.RequestId, message.Pdu.Variables));
            var writer = new ArrayBufferWriter<byte>();
            response.Encode(writer);
            reply = writer.WrittenSpan.ToArray();
        }

        return (SnmpTrapOutcome.Accepted, reply);
    }

    /// <summary>snmpTrapOID.0 of a v2 notification (the second variable), or enterprise.generic.specific of a v1 trap.</summary>
    private static string NotificationName(SnmpPdu pdu)
    {
        if (pdu.V1Trap is { } v1)
        {
            return $"{v1.Enterprise} generic {v1.GenericTrap} specific {v1.SpecificTrap}";
        }

        var trapOid = PowerWatch.Snmp.Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");
        return pdu.Variables.FirstOrDefault(v => v.Oid == trapOid) is { Value.Type: SnmpType.ObjectIdentifier } v ? v.Value.AsOid().ToString() : "(no snmpTrapOID)";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
