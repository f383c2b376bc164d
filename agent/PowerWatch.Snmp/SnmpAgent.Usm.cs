using System.Buffers.Binary;
using System.Text;

namespace PowerWatch.Snmp;

/// <summary>The agent (authoritative) side of the User-based Security Model (RFC 3414 §3.2, §4) and notifications.</summary>
public sealed partial class SnmpAgent
{
    /// <summary>usmStats (RFC 3414 §5): 1.3.6.1.6.3.15.1.1.N.0.</summary>
    private static readonly Oid UsmStats = Oid.Parse("1.3.6.1.6.3.15.1.1");

    /// <summary>sysUpTime.0 (RFC 3418), the first variable of a notification.</summary>
    public static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");

    /// <summary>snmpTrapOID.0 (RFC 3418), the second variable of a notification.</summary>
    public static readonly Oid SnmpTrapOid = Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");

    private readonly long _started;
    private readonly Dictionary<string, LocalizedUser> _users;
    private long _salt;
    private int _nextNotificationId;

    private byte[]? HandleV3(ReadOnlySpan<byte> datagram)
    {
        var message = SnmpV3Message.Decode(datagram);
        var security = message.Security;
        var level = message.Flags & (SnmpV3Flags.Auth | SnmpV3Flags.Priv);
        var reportable = (message.Flags & SnmpV3Flags.Reportable) != 0;
        var requestId = message.ScopedPdu?.Pdu.RequestId ?? message.MessageId;

        // RFC 3414 §3.2 step 3: an unknown engine id (discovery sends an empty one) gets our id, boots and time.
        if (!security.EngineId.Span.SequenceEqual(EngineId))
        {
            return Report(message, requestId, UsmReport.UnknownEngineId, null, reportable);
        }

        // Step 4: the user.
        if (!_users.TryGetValue(Encoding.UTF8.GetString(security.UserName.Span), out var user))
        {
            return Report(message, requestId, UsmReport.UnknownUserName, null, reportable);
        }

        // Step 5: the level asked must be the user's (a read-only agent with one level per user, as `rouser NAME priv`).
        if (level != user.User.SecurityLevel)
        {
            return Report(message, requestId, UsmReport.UnsupportedSecurityLevel, null, reportable);
        }

        SnmpScopedPdu? scoped = message.ScopedPdu;
        if (level != SnmpV3Flags.None)
        {
            // Step 6: the HMAC over the whole message.
            if (!UsmSecurity.Verify(user.User.AuthProtocol, user.AuthKey, datagram, message.AuthenticationParametersOffset, security.AuthenticationParameters.Span))
            {
                return Report(message, requestId, UsmReport.WrongDigest, null, reportable);
            }

            // Step 7a: the time window of an authoritative engine, 150 s either way; the report is authenticated.
            if (security.EngineBoots != EngineBoots || Math.Abs((long)security.EngineTime - EngineTime) > 150 || EngineBoots == int.MaxValue)
            {
                return Report(message, requestId, UsmReport.NotInTimeWindow, user, reportable);
            }

            if (level == (SnmpV3Flags.Auth | SnmpV3Flags.Priv))
            {
                // Step 8: decrypt with the sender's boots and time (ours, within the window) and its salt.
                if (security.PrivacyParameters.Length != UsmSecurity.AesSaltLength)
                {
                    return Report(message, requestId, UsmReport.DecryptionError, null, reportable);
                }

                var plain = UsmSecurity.DecryptAes(user.PrivKey!, security.EngineBoots, security.EngineTime, security.PrivacyParameters.Span, message.EncryptedPdu.Span);
                try
                {
                    scoped = SnmpScopedPdu.Decode(plain);
                }
                catch (SnmpProtocolException)
                {
                    return Report(message, requestId, UsmReport.DecryptionError, null, reportable);
                }
            }
        }

        if (scoped is null || !IsRequest(scoped.Pdu.Type))
        {
            Statistics.UnexpectedPdu();
            return null;
        }

        var limit = Math.Min(message.MaxSize, _options.MaxMessageSize);
        var response = Process(scoped.Pdu, SnmpVersion.V3, limit);
        var bytes = Protect(message.MessageId, level, user, new SnmpScopedPdu(EngineId, scoped.ContextName, response));
        if (bytes.Length > limit)
        {
            bytes = Protect(message.MessageId, level, user, new SnmpScopedPdu(EngineId, scoped.ContextName, TooBig(scoped.Pdu)));
        }

        return bytes;
    }

    /// <summary>
    /// A Report-PDU carrying the usmStats counter (RFC 3414 §3.2 and §4), with our engine id, boots and time; signed
    /// (authNoPriv) for a time-window error of a known user, plain otherwise. Nothing without the reportable flag.
    /// </summary>
    private byte[]? Report(SnmpV3Message request, int requestId, UsmReport report, LocalizedUser? signer, bool reportable)
    {
        var count = Statistics.Count(report);
        if (!reportable)
        {
            return null;
        }

        var variable = new SnmpVariable(UsmStats.Append((uint)report, 0), SnmpValue.Counter32((uint)count));
        var pdu = new SnmpPdu(SnmpPduType.Report, requestId, [variable]);
        var context = request.ScopedPdu?.ContextName ?? default;
        return Protect(request.MessageId, signer is null ? SnmpV3Flags.None : SnmpV3Flags.Auth, signer, new SnmpScopedPdu(EngineId, context, pdu));
    }

    /// <summary>Encodes an outgoing v3 message from this (authoritative) engine at <paramref name="level"/>: encrypted, then signed.</summary>
    private byte[] Protect(int messageId, SnmpV3Flags level, LocalizedUser? user, SnmpScopedPdu scoped, SnmpV3Flags extraFlags = SnmpV3Flags.None)
    {
        var boots = EngineBoots;
        var time = EngineTime;
        var userName = user is null ? default : Encoding.UTF8.GetBytes(user.User.Name);
        var authLength = user is null || level == SnmpV3Flags.None ? 0 : UsmSecurity.AuthParametersLength(user.User.AuthProtocol);
        SnmpV3Message message;
        if ((level & SnmpV3Flags.Priv) != 0)
        {
            var salt = new byte[UsmSecurity.AesSaltLength];
            BinaryPrimitives.WriteInt64BigEndian(salt, Interlocked.Increment(ref _salt));
            var plain = new BerWriter(512);
            scoped.WriteTo(plain);
            var encrypted = UsmSecurity.EncryptAes(user!.PrivKey!, boots, time, salt, plain.WrittenSpan);
            message = new SnmpV3Message(messageId, _options.MaxMessageSize, level | extraFlags, new UsmSecurityParameters(EngineId, boots, time, userName, new byte[authLength], salt), encrypted);
        }
        else
        {
            message = new SnmpV3Message(messageId, _options.MaxMessageSize, level | extraFlags, new UsmSecurityParameters(EngineId, boots, time, userName, new byte[authLength], default), scoped);
        }

        var writer = new BerWriter(512);
        message.WriteTo(writer);
        var bytes = writer.WrittenSpan.ToArray();
        if ((level & SnmpV3Flags.Auth) != 0)
        {
            // Our own encoding, decoded once more only to find where msgAuthenticationParameters landed.
            UsmSecurity.Sign(user!.User.AuthProtocol, user.AuthKey, bytes, SnmpV3Message.Decode(bytes).AuthenticationParametersOffset);
        }

        return bytes;
    }

    /// <summary>
    /// An SNMPv2-Trap (RFC 3416 §4.2.6) in a v2c message: sysUpTime.0 (<paramref name="upTime"/>, hundredths of a
    /// second), snmpTrapOID.0, then <paramref name="variables"/>.
    /// </summary>
    public byte[] EncodeTrapV2c(string community, uint upTime, Oid trapOid, IReadOnlyList<SnmpVariable> variables)
    {
        ArgumentNullException.ThrowIfNull(community);
        var pdu = TrapPdu(upTime, trapOid, variables);
        return Encode(new SnmpCommunityMessage(SnmpVersion.V2c, Encoding.UTF8.GetBytes(community), pdu));
    }

    /// <summary>
    /// The same trap in a v3 message from this engine (the sender of a trap is authoritative, RFC 3414 §1.5.1), at
    /// the security level of <paramref name="userName"/>, one of the agent's users: a receiver configures the user
    /// with this agent's <see cref="EngineId"/> (net-snmp: <c>createUser -e ENGINEID …</c>).
    /// </summary>
    public byte[] EncodeTrapV3(string userName, uint upTime, Oid trapOid, IReadOnlyList<SnmpVariable> variables)
    {
        ArgumentNullException.ThrowIfNull(userName);
        if (!_users.TryGetValue(userName, out var user))
        {
            throw new ArgumentException($"'{userName}' is not a user of this agent", nameof(userName));
        }

        var pdu = TrapPdu(upTime, trapOid, variables);
        return Protect(pdu.RequestId, user.User.SecurityLevel, user, new SnmpScopedPdu(EngineId, default, pdu));
    }

    private SnmpPdu TrapPdu(uint upTime, Oid trapOid, IReadOnlyList<SnmpVariable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var all = new List<SnmpVariable>(variables.Count + 2)
        {
            new(SysUpTime, SnmpValue.TimeTicks(upTime)),
            new(SnmpTrapOid, SnmpValue.ObjectIdentifier(trapOid)),
        };
        all.AddRange(variables);
        return new SnmpPdu(SnmpPduType.TrapV2, Interlocked.Increment(ref _nextNotificationId) & int.MaxValue, all);
    }

    /// <summary>A user with its keys localised to this engine (computed once: 1 MiB of hashing per password).</summary>
    private sealed class LocalizedUser
    {
        public LocalizedUser(SnmpAgentUser user, byte[] engineId)
        {
            User = user;
            if (user.AuthProtocol != SnmpAuthProtocol.None)
            {
                AuthKey = UsmSecurity.LocalizeKey(user.AuthProtocol, UsmSecurity.PasswordToKey(user.AuthProtocol, Encoding.UTF8.GetBytes(user.AuthPassword)), engineId);
            }

            if (user.PrivProtocol != SnmpPrivProtocol.None)
            {
                // RFC 3826 §1.2: localised with the authentication protocol's hash; AES-128 uses its first 16 octets.
                PrivKey = UsmSecurity.LocalizeKey(user.AuthProtocol, UsmSecurity.PasswordToKey(user.AuthProtocol, Encoding.UTF8.GetBytes(user.PrivPassword)), engineId);
            }
        }

        public SnmpAgentUser User { get; }

        public byte[] AuthKey { get; } = [];

        public byte[]? PrivKey { get; }

        public override string ToString() => User.ToString();
    }
}
