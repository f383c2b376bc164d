using System.Text;

namespace PowerWatch.Snmp;

/// <summary>
/// The command responder side of SNMP, without I/O: a datagram in, a response datagram (or nothing) out. Answers GET,
/// GETNEXT and GETBULK (RFC 3416 §4.2) over the <see cref="SnmpObjectTree"/> its view function returns for each
/// request, in v1 and v2c (community check) and v3 (the agent side of the USM: engine discovery, time window,
/// HMAC-SHA-1/SHA-256 authentication, AES-128 privacy, usmStats reports; see <c>SnmpAgent.Usm.cs</c>). SET is
/// refused (read-only agent). Malformed datagrams, unknown communities and PDUs an agent does not answer are dropped
/// and counted in <see cref="Statistics"/>; nothing a client sends makes <see cref="Handle"/> throw.
/// Thread-safe: the view function may be called from several threads at once.
/// </summary>
public sealed partial class SnmpAgent
{
    /// <summary>Bytes kept free for the message header when a GETBULK response is filled up to the size limit.</summary>
    private const int HeaderAllowance = 200;

    private readonly SnmpAgentOptions _options;
    private readonly Func<SnmpObjectTree> _view;
    private readonly byte[][] _communities;

    /// <summary>Creates an agent answering from <paramref name="view"/> (called once per request).</summary>
    public SnmpAgent(SnmpAgentOptions options, Func<SnmpObjectTree> view)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(view);
        _options = options;
        _view = view;
        _communities = [.. options.Communities.Select(Encoding.UTF8.GetBytes)];
        EngineId = options.EngineId.IsEmpty ? SnmpAgentOptions.EngineIdFor(0, Guid.NewGuid().ToString()) : options.EngineId.ToArray();
        if (EngineId.Length is < 5 or > 32)
        {
            throw new ArgumentException("an snmpEngineID has 5 to 32 octets", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(options.EngineBoots);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageSize, SnmpV3Message.MinMaxSize);
        _started = options.TimeProvider.GetTimestamp();
        _users = options.Users.ToDictionary(u => u.Name, u => new LocalizedUser(u, EngineId), StringComparer.Ordinal);
        _salt = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    }

    /// <summary>snmpEngineID.</summary>
    public byte[] EngineId { get; }

    /// <summary>snmpEngineBoots.</summary>
    public int EngineBoots => _options.EngineBoots;

    /// <summary>snmpEngineTime: whole seconds since the agent was created.</summary>
    public int EngineTime => (int)Math.Min(int.MaxValue, _options.TimeProvider.GetElapsedTime(_started).TotalSeconds);

    /// <summary>Counters.</summary>
    public SnmpAgentStatistics Statistics { get; } = new();

    /// <summary>
    /// Handles one request datagram. Returns the response datagram, or null when nothing is to be sent (malformed
    /// input, unknown community, a PDU that is not a request, a v3 error without the reportable flag).
    /// </summary>
    public byte[]? Handle(ReadOnlySpan<byte> datagram)
    {
        Statistics.Request();
        try
        {
            var response = SnmpMessage.PeekVersion(datagram) == SnmpVersion.V3 ? HandleV3(datagram) : HandleCommunity(datagram);
            if (response is not null)
            {
                Statistics.Response();
            }

            return response;
        }
        catch (SnmpProtocolException)
        {
            Statistics.MalformedDatagram();
            return null;
        }
    }

    private byte[]? HandleCommunity(ReadOnlySpan<byte> datagram)
    {
        var message = SnmpCommunityMessage.Decode(datagram);
        if ((message.Version == SnmpVersion.V1 && !_options.AllowV1) || !KnownCommunity(message.Community.Span))
        {
            Statistics.BadCommunity();
            return null;
        }

        if (!IsRequest(message.Pdu.Type))
        {
            Statistics.UnexpectedPdu();
            return null;
        }

        var limit = _options.MaxMessageSize;
        var response = Process(message.Pdu, message.Version, limit - message.Community.Length);
        var bytes = Encode(new SnmpCommunityMessage(message.Version, message.Community, response));
        if (bytes.Length > limit)
        {
            bytes = Encode(new SnmpCommunityMessage(message.Version, message.Community, TooBig(message.Pdu)));
        }

        return bytes;
    }

    private bool KnownCommunity(ReadOnlySpan<byte> community)
    {
        foreach (var c in _communities)
        {
            if (System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(c, community))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsRequest(SnmpPduType type) =>
        type is SnmpPduType.GetRequest or SnmpPduType.GetNextRequest or SnmpPduType.GetBulkRequest or SnmpPduType.SetRequest;

    private static byte[] Encode(SnmpCommunityMessage message)
    {
        var writer = new BerWriter(512);
        message.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    private static SnmpPdu TooBig(SnmpPdu request) =>
        new(SnmpPduType.Response, request.RequestId, request.Type == SnmpPduType.GetBulkRequest ? [] : request.Variables, (int)SnmpErrorStatus.TooBig, 0);

    /// <summary>The Response-PDU for a request PDU (RFC 3416 §4.2; RFC 1157 §4.1 for v1).</summary>
    private SnmpPdu Process(SnmpPdu request, SnmpVersion version, int sizeLimit)
    {
        var view = _view();
        var v1 = version == SnmpVersion.V1;
        switch (request.Type)
        {
            case SnmpPduType.GetRequest:
            case SnmpPduType.GetNextRequest:
            {
                var results = new SnmpVariable[request.Variables.Count];
                for (var i = 0; i < results.Length; i++)
                {
                    var asked = request.Variables[i].Oid;
                    SnmpVariable result;
                    if (request.Type == SnmpPduType.GetRequest)
                    {
                        result = new SnmpVariable(asked, view.Get(asked));
                    }
                    else
                    {
                        result = view.TryGetNext(asked, out var next) ? next : new SnmpVariable(asked, SnmpValue.EndOfMibView);
                    }

                    if (v1 && (result.Value.IsException || result.Value.Type == SnmpType.Counter64))
                    {
                        // RFC 2576 §4.1.2.3: v1 has neither the exceptions nor Counter64; the request fails naming the variable.
                        return new SnmpPdu(SnmpPduType.Response, request.RequestId, request.Variables, (int)SnmpErrorStatus.NoSuchName, i + 1);
                    }

                    results[i] = result;
                }

                return new SnmpPdu(SnmpPduType.Response, request.RequestId, results);
            }

            case SnmpPduType.GetBulkRequest:
                return GetBulk(request, view, sizeLimit);

            default:
                // A read-only agent (RFC 3416 §4.2.5: notWritable; RFC 1157 answers noSuchName).
                return new SnmpPdu(SnmpPduType.Response, request.RequestId, request.Variables,
                    (int)(v1 ? SnmpErrorStatus.NoSuchName : SnmpErrorStatus.NotWritable), request.Variables.Count == 0 ? 0 : 1);
        }
    }

    /// <summary>
    /// GETBULK (RFC 3416 §4.2.3): the non-repeaters get one GETNEXT each, then up to max-repetitions rows of the
    /// repeaters; rows stop when every repeater has reached endOfMibView or the response would exceed the size limit
    /// (the response is then cut after the last whole variable that fits, as §4.2.3 allows).
    /// </summary>
    private SnmpPdu GetBulk(SnmpPdu request, SnmpObjectTree view, int sizeLimit)
    {
        var asked = request.Variables;
        var nonRepeaters = Math.Clamp(request.NonRepeaters, 0, asked.Count);
        var repetitions = Math.Clamp(request.MaxRepetitions, 0, _options.MaxRepetitionsCap);
        var budget = sizeLimit - HeaderAllowance;
        var results = new List<SnmpVariable>();
        var size = new BerWriter(64);

        bool Fits(SnmpVariable v)
        {
            size.BeginSequence();
            size.WriteOid(v.Oid);
            v.Value.WriteTo(size);
            size.EndConstructed();
            return size.Length <= budget;
        }

        for (var i = 0; i < nonRepeaters; i++)
        {
            var v = view.TryGetNext(asked[i].Oid, out var next) ? next : new SnmpVariable(asked[i].Oid, SnmpValue.EndOfMibView);
            if (!Fits(v))
            {
                return TooBig(request);
            }

            results.Add(v);
        }

        var cursor = new Oid[asked.Count - nonRepeaters];
        for (var j = 0; j < cursor.Length; j++)
        {
            cursor[j] = asked[nonRepeaters + j].Oid;
        }

        var ended = new bool[cursor.Length];
        for (var r = 0; r < repetitions && cursor.Length > 0 && ended.Contains(false); r++)
        {
            for (var j = 0; j < cursor.Length; j++)
            {
                SnmpVariable v;
                if (!ended[j] && view.TryGetNext(cursor[j], out var next))
                {
                    v = next;
                    cursor[j] = next.Oid;
                }
                else
                {
                    ended[j] = true;
                    v = new SnmpVariable(cursor[j], SnmpValue.EndOfMibView);
                }

                if (!Fits(v))
                {
                    return results.Count > 0 ? new SnmpPdu(SnmpPduType.Response, request.RequestId, results) : TooBig(request);
                }

                results.Add(v);
            }
        }

        return new SnmpPdu(SnmpPduType.Response, request.RequestId, results);
    }

    /// <summary>Agent, engine and statistics; never communities or keys.</summary>
    public override string ToString() => $"SNMP agent engine {Convert.ToHexString(EngineId)}, {Statistics}";
}
