using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PowerWatch.Snmp;

/// <summary>What a v3 reply turned out to be once the USM had looked at it.</summary>
internal readonly record struct UsmOpened(SnmpV3Message Message, SnmpScopedPdu? Scoped, string? Rejected);

/// <summary>
/// The client side of the USM for one agent: the discovered engine (id, boots, time and when we learnt them), the
/// keys localised to it, the AES salt, and the protection of outgoing and checking of incoming messages. Keys live
/// only here and are never printed. Not thread-safe: the client sends one request at a time.
/// </summary>
internal sealed class UsmSession
{
    /// <summary>RFC 3414 §3.2 step 7b: a reply more than 150 s older than our estimate of the engine's time is out of window.</summary>
    internal const int TimeWindowSeconds = 150;

    private readonly SnmpClientOptions _options;
    private readonly byte[] _user;
    private readonly byte[] _context;
    private byte[]? _authMaster;
    private byte[]? _privMaster;
    private byte[]? _authKey;
    private byte[]? _privKey;
    private long _salt;
    private long _timeLearntAt;

    public UsmSession(SnmpClientOptions options)
    {
        _options = options;
        _user = Encoding.UTF8.GetBytes(options.User);
        _context = Encoding.UTF8.GetBytes(options.ContextName);
        _salt = BinaryPrimitives.ReadInt64BigEndian(RandomNumberGenerator.GetBytes(8));
    }

    /// <summary>The agent's snmpEngineID, empty until discovered.</summary>
    public byte[] EngineId { get; private set; } = [];

    /// <summary>snmpEngineBoots as last learnt.</summary>
    public int EngineBoots { get; private set; }

    /// <summary>snmpEngineTime as last learnt (at <see cref="_timeLearntAt"/>).</summary>
    public int EngineTimeLearnt { get; private set; }

    public bool IsDiscovered => EngineId.Length > 0;

    /// <summary>Our estimate of the engine's time now: the time learnt plus the seconds elapsed since.</summary>
    public int EstimatedEngineTime
    {
        get
        {
            var elapsed = (long)_options.TimeProvider.GetElapsedTime(_timeLearntAt).TotalSeconds;
            return (int)Math.Min(int.MaxValue, EngineTimeLearnt + Math.Max(0, elapsed));
        }
    }

    /// <summary>Adopts an engine id and its boots/time (from discovery or a report); re-localises the keys when the id changes.</summary>
    public void SetEngine(ReadOnlySpan<byte> engineId, int boots, int time)
    {
        if (!engineId.SequenceEqual(EngineId))
        {
            EngineId = engineId.ToArray();
            LocalizeKeys();
        }

        EngineBoots = boots;
        EngineTimeLearnt = time;
        _timeLearntAt = _options.TimeProvider.GetTimestamp();
    }

    /// <summary>The engine-discovery request (RFC 3414 §4): no user, no security, reportable, an empty GetRequest.</summary>
    public byte[] EncodeDiscovery(int messageId, int requestId)
    {
        var pdu = new SnmpPdu(SnmpPduType.GetRequest, requestId, []);
        var message = new SnmpV3Message(messageId, _options.MaxResponseSize, SnmpV3Flags.Reportable, UsmSecurityParameters.Discovery, new SnmpScopedPdu(default, default, pdu));
        var writer = new BerWriter();
        message.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A request at the configured security level: encrypted and signed as the options ask.</summary>
    public byte[] Encode(int messageId, SnmpPdu pdu)
    {
        var flags = _options.SecurityFlags | SnmpV3Flags.Reportable;
        var boots = EngineBoots;
        var time = EstimatedEngineTime;
        var scoped = new SnmpScopedPdu(EngineId, _context, pdu);
        var authLength = UsmSecurity.AuthParametersLength(_options.AuthProtocol);
        byte[] privParams = [];
        SnmpV3Message message;
        if ((flags & SnmpV3Flags.Priv) != 0)
        {
            privParams = new byte[UsmSecurity.AesSaltLength];
            BinaryPrimitives.WriteInt64BigEndian(privParams, _salt++);
            var plain = new BerWriter();
            scoped.WriteTo(plain);
            var encrypted = UsmSecurity.EncryptAes(_privKey, boots, time, privParams, plain.WrittenSpan);
            var security = new UsmSecurityParameters(EngineId, boots, time, _user, new byte[authLength], privParams);
            message = new SnmpV3Message(messageId, _options.MaxResponseSize, flags, security, encrypted);
        }
        else
        {
            var security = new UsmSecurityParameters(EngineId, boots, time, _user, new byte[authLength], privParams);
            message = new SnmpV3Message(messageId, _options.MaxResponseSize, flags, security, scoped);
        }

        var writer = new BerWriter();
        message.WriteTo(writer);
        var bytes = writer.WrittenSpan.ToArray();
        if ((flags & SnmpV3Flags.Auth) != 0)
        {
            // Our own encoding, decoded once more only to find where msgAuthenticationParameters landed.
            var offset = SnmpV3Message.Decode(bytes).AuthenticationParametersOffset;
            UsmSecurity.Sign(_options.AuthProtocol, _authKey, bytes, offset);
        }

        return bytes;
    }

    /// <summary>
    /// Decodes and checks a reply: authentication (HMAC, engine id, time window, RFC 3414 §3.2) when flagged, then
    /// decryption. A reply that fails a check is returned with <see cref="UsmOpened.Rejected"/> set, to be dropped.
    /// Malformed bytes throw <see cref="SnmpProtocolException"/>.
    /// </summary>
    public UsmOpened Open(ReadOnlySpan<byte> datagram)
    {
        var message = SnmpV3Message.Decode(datagram);
        var security = message.Security;
        if ((message.Flags & SnmpV3Flags.Auth) != 0)
        {
            if (_authKey is null || _options.AuthProtocol == SnmpAuthProtocol.None)
            {
                return new(message, null, "an authenticated reply to a user without authentication");
            }

            if (!security.EngineId.Span.SequenceEqual(EngineId))
            {
                return new(message, null, "an authenticated reply from another engine id");
            }

            if (!UsmSecurity.Verify(_options.AuthProtocol, _authKey, datagram, message.AuthenticationParametersOffset, security.AuthenticationParameters.Span))
            {
                return new(message, null, "the reply's HMAC does not verify (wrong authentication password, or a forged reply)");
            }

            // An authentic usmStatsNotInTimeWindows report is how the agent tells us its time (RFC 3414 §4): it is
            // exempt from the window, or a client whose notion of the agent's clock ran ahead could never resynchronise.
            var isReport = message.ScopedPdu is { Pdu.Type: SnmpPduType.Report };
            if (CheckTime(security.EngineBoots, security.EngineTime) is { } late && !isReport)
            {
                return new(message, null, late);
            }
        }

        if ((message.Flags & SnmpV3Flags.Priv) != 0)
        {
            if (_privKey is null)
            {
                return new(message, null, "an encrypted reply to a user without privacy");
            }

            if (security.PrivacyParameters.Length != UsmSecurity.AesSaltLength)
            {
                return new(message, null, "msgPrivacyParameters is not an 8-octet AES salt");
            }

            var plain = UsmSecurity.DecryptAes(_privKey, security.EngineBoots, security.EngineTime, security.PrivacyParameters.Span, message.EncryptedPdu.Span);
            try
            {
                return new(message, SnmpScopedPdu.Decode(plain), null);
            }
            catch (SnmpProtocolException)
            {
                return new(message, null, "the reply does not decrypt to a scoped PDU (wrong privacy password?)");
            }
        }

        return new(message, message.ScopedPdu, null);
    }

    /// <summary>RFC 3414 §3.2 step 7b for a non-authoritative engine: learn newer boots/time; refuse stale ones.</summary>
    private string? CheckTime(int boots, int time)
    {
        if (boots > EngineBoots || (boots == EngineBoots && time > EngineTimeLearnt))
        {
            EngineBoots = boots;
            EngineTimeLearnt = time;
            _timeLearntAt = _options.TimeProvider.GetTimestamp();
        }

        if (EngineBoots == int.MaxValue || boots < EngineBoots || (boots == EngineBoots && EstimatedEngineTime - time > TimeWindowSeconds))
        {
            return "the reply is outside the time window";
        }

        return null;
    }

    private void LocalizeKeys()
    {
        if (_options.AuthProtocol == SnmpAuthProtocol.None)
        {
            return;
        }

        _authMaster ??= UsmSecurity.PasswordToKey(_options.AuthProtocol, Encoding.UTF8.GetBytes(_options.AuthPassword));
        _authKey = UsmSecurity.LocalizeKey(_options.AuthProtocol, _authMaster, EngineId);
        if (_options.PrivProtocol != SnmpPrivProtocol.None)
        {
            // RFC 3826 §1.2: the privacy key is localised with the authentication protocol's hash; AES-128 uses 16 octets of it.
            _privMaster ??= UsmSecurity.PasswordToKey(_options.AuthProtocol, Encoding.UTF8.GetBytes(_options.PrivPassword));
            _privKey = UsmSecurity.LocalizeKey(_options.AuthProtocol, _privMaster, EngineId);
        }
    }

    /// <summary>Never the keys.</summary>
    public override string ToString() => $"USM session, engine {Convert.ToHexString(EngineId)}, boots {EngineBoots}";
}
