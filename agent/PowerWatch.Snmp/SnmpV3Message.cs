using System.Buffers;

namespace PowerWatch.Snmp;

/// <summary>msgFlags (RFC 3412 §6.4).</summary>
[Flags]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "Named after the RFC 3412 field msgFlags.")]
public enum SnmpV3Flags : byte
{
    /// <summary>noAuthNoPriv, not reportable.</summary>
    None = 0,

    /// <summary>authFlag.</summary>
    Auth = 1,

    /// <summary>privFlag (only with <see cref="Auth"/>).</summary>
    Priv = 2,

    /// <summary>reportableFlag: the receiver may answer with a Report.</summary>
    Reportable = 4,
}

/// <summary>UsmSecurityParameters (RFC 3414 §2.4), carried BER-encoded in msgSecurityParameters.</summary>
public sealed record UsmSecurityParameters(
    ReadOnlyMemory<byte> EngineId,
    int EngineBoots,
    int EngineTime,
    ReadOnlyMemory<byte> UserName,
    ReadOnlyMemory<byte> AuthenticationParameters,
    ReadOnlyMemory<byte> PrivacyParameters)
{
    /// <summary>The all-empty parameters of an engine-discovery request (RFC 3414 §4).</summary>
    public static UsmSecurityParameters Discovery { get; } = new(default, 0, 0, default, default, default);

    /// <summary>Encodes the SEQUENCE.</summary>
    public void WriteTo(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginSequence();
        writer.WriteOctetString(EngineId.Span);
        writer.WriteInteger(EngineBoots);
        writer.WriteInteger(EngineTime);
        writer.WriteOctetString(UserName.Span);
        writer.WriteOctetString(AuthenticationParameters.Span);
        writer.WriteOctetString(PrivacyParameters.Span);
        writer.EndConstructed();
    }

    /// <summary>Engine id, boots, time and user; never key material.</summary>
    public override string ToString() =>
        $"engine {Convert.ToHexString(EngineId.Span)} boots {EngineBoots} time {EngineTime} user {System.Text.Encoding.UTF8.GetString(UserName.Span)}";
}

/// <summary>ScopedPDU (RFC 3412 §6.8): contextEngineID, contextName and the PDU.</summary>
public sealed record SnmpScopedPdu(ReadOnlyMemory<byte> ContextEngineId, ReadOnlyMemory<byte> ContextName, SnmpPdu Pdu)
{
    /// <summary>Encodes the SEQUENCE.</summary>
    public void WriteTo(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginSequence();
        writer.WriteOctetString(ContextEngineId.Span);
        writer.WriteOctetString(ContextName.Span);
        Pdu.WriteTo(writer);
        writer.EndConstructed();
    }

    /// <summary>
    /// Decodes a ScopedPDU from decrypted bytes. Bytes after it are ignored: RFC 3414 §8.3.2 lets a cipher pad the
    /// plaintext (our AES adds none).
    /// </summary>
    public static SnmpScopedPdu Decode(ReadOnlySpan<byte> plaintext)
    {
        var reader = new BerReader(plaintext);
        return Read(ref reader);
    }

    internal static SnmpScopedPdu Read(ref BerReader reader)
    {
        var scoped = reader.ReadSequence("ScopedPDU");
        var engine = scoped.ReadOctetString("contextEngineID").ToArray();
        var name = scoped.ReadOctetString("contextName").ToArray();
        var pdu = SnmpPdu.Read(ref scoped);
        scoped.ExpectEnd("ScopedPDU");
        return new SnmpScopedPdu(engine, name, pdu);
    }
}

/// <summary>
/// An SNMPv3 message (RFC 3412 §6) with the User-based Security Model's parameters. This type is the plain wire
/// form: authentication and encryption are applied by <see cref="UsmSecurity"/>. Exactly one of
/// <see cref="ScopedPdu"/> (plaintext) and <see cref="EncryptedPdu"/> (privFlag set) is present.
/// </summary>
public sealed class SnmpV3Message
{
    /// <summary>msgSecurityModel of the USM.</summary>
    public const int UserSecurityModel = 3;

    /// <summary>Smallest msgMaxSize allowed (RFC 3412 §6.2).</summary>
    public const int MinMaxSize = 484;

    /// <summary>Creates a message with a plaintext scoped PDU.</summary>
    public SnmpV3Message(int messageId, int maxSize, SnmpV3Flags flags, UsmSecurityParameters security, SnmpScopedPdu scopedPdu)
        : this(messageId, maxSize, flags, security)
    {
        ArgumentNullException.ThrowIfNull(scopedPdu);
        ScopedPdu = scopedPdu;
    }

    /// <summary>Creates a message with an encrypted scoped PDU.</summary>
    public SnmpV3Message(int messageId, int maxSize, SnmpV3Flags flags, UsmSecurityParameters security, ReadOnlyMemory<byte> encryptedPdu)
        : this(messageId, maxSize, flags, security)
    {
        EncryptedPdu = encryptedPdu;
    }

    private SnmpV3Message(int messageId, int maxSize, SnmpV3Flags flags, UsmSecurityParameters security)
    {
        ArgumentNullException.ThrowIfNull(security);
        MessageId = messageId;
        MaxSize = maxSize;
        Flags = flags;
        Security = security;
    }

    /// <summary>msgID.</summary>
    public int MessageId { get; }

    /// <summary>msgMaxSize: the largest message the sender accepts.</summary>
    public int MaxSize { get; }

    /// <summary>msgFlags.</summary>
    public SnmpV3Flags Flags { get; }

    /// <summary>msgSecurityParameters (USM).</summary>
    public UsmSecurityParameters Security { get; }

    /// <summary>The plaintext scoped PDU, or null when encrypted.</summary>
    public SnmpScopedPdu? ScopedPdu { get; }

    /// <summary>The encrypted scoped PDU (privFlag set).</summary>
    public ReadOnlyMemory<byte> EncryptedPdu { get; }

    /// <summary>
    /// After <see cref="Decode"/>: offset of msgAuthenticationParameters' content in the datagram (to verify the
    /// HMAC over the message with those octets zeroed); -1 for a message built in memory.
    /// </summary>
    public int AuthenticationParametersOffset { get; private init; } = -1;

    /// <summary>Encodes the message as it is (authentication parameters as given).</summary>
    public void Encode(IBufferWriter<byte> output)
    {
        var writer = new BerWriter();
        WriteTo(writer);
        writer.CopyTo(output);
    }

    /// <summary>Encodes the message into a writer.</summary>
    public void WriteTo(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginSequence();
        writer.WriteInteger(3);
        writer.BeginSequence();
        writer.WriteInteger(MessageId);
        writer.WriteInteger(MaxSize);
        writer.WriteOctetString([(byte)Flags]);
        writer.WriteInteger(UserSecurityModel);
        writer.EndConstructed();
        var security = new BerWriter(128);
        Security.WriteTo(security);
        writer.WriteOctetString(security.WrittenSpan);
        if (ScopedPdu is { } scoped)
        {
            scoped.WriteTo(writer);
        }
        else
        {
            writer.WriteOctetString(EncryptedPdu.Span);
        }

        writer.EndConstructed();
    }

    /// <summary>Decodes a whole datagram. Anything but exactly one valid v3 USM message throws <see cref="SnmpProtocolException"/>.</summary>
    public static SnmpV3Message Decode(ReadOnlySpan<byte> datagram)
    {
        SnmpMessage.CheckSize(datagram);
        var outer = new BerReader(datagram);
        var message = outer.ReadSequence("SNMPv3Message");
        outer.ExpectEnd("the message");
        var versionAt = message.Offset;
        if (message.ReadInteger("msgVersion", 0, int.MaxValue) != 3)
        {
            throw new SnmpProtocolException("msgVersion is not 3", versionAt);
        }

        var global = message.ReadSequence("msgGlobalData");
        var id = (int)global.ReadInteger("msgID", 0, int.MaxValue);
        var maxSize = (int)global.ReadInteger("msgMaxSize", MinMaxSize, int.MaxValue);
        var flagsAt = global.Offset;
        var flagOctets = global.ReadOctetString("msgFlags");
        if (flagOctets.Length != 1)
        {
            throw new SnmpProtocolException($"msgFlags of {flagOctets.Length} octets (1 expected)", flagsAt);
        }

        var flags = (SnmpV3Flags)(flagOctets[0] & 0x07);
        if ((flags & SnmpV3Flags.Priv) != 0 && (flags & SnmpV3Flags.Auth) == 0)
        {
            throw new SnmpProtocolException("msgFlags: privacy without authentication", flagsAt);
        }

        var modelAt = global.Offset;
        if (global.ReadInteger("msgSecurityModel", 1, int.MaxValue) != UserSecurityModel)
        {
            throw new SnmpProtocolException("msgSecurityModel is not the USM (3)", modelAt);
        }

        global.ExpectEnd("msgGlobalData");

        var securityOctets = message.ReadOctetString("msgSecurityParameters");
        var securityAt = message.Offset - securityOctets.Length;
        var (security, authOffset) = ReadSecurity(securityOctets, securityAt);

        SnmpV3Message result;
        if ((flags & SnmpV3Flags.Priv) != 0)
        {
            var encrypted = message.ReadOctetString("encryptedPDU").ToArray();
            result = new SnmpV3Message(id, maxSize, flags, security, encrypted) { AuthenticationParametersOffset = authOffset };
        }
        else
        {
            var scoped = SnmpScopedPdu.Read(ref message);
            result = new SnmpV3Message(id, maxSize, flags, security, scoped) { AuthenticationParametersOffset = authOffset };
        }

        message.ExpectEnd("msgData");
        return result;
    }

    private static (UsmSecurityParameters Security, int AuthOffset) ReadSecurity(ReadOnlySpan<byte> octets, int baseOffset)
    {
        try
        {
            var outer = new BerReader(octets);
            var usm = outer.ReadSequence("UsmSecurityParameters");
            outer.ExpectEnd("UsmSecurityParameters");
            var engineAt = usm.Offset;
            var engine = usm.ReadOctetString("msgAuthoritativeEngineID");
            if (engine.Length > 32)
            {
                throw new SnmpProtocolException($"msgAuthoritativeEngineID of {engine.Length} octets (at most 32)", engineAt);
            }

            var boots = (int)usm.ReadInteger("msgAuthoritativeEngineBoots", 0, int.MaxValue);
            var time = (int)usm.ReadInteger("msgAuthoritativeEngineTime", 0, int.MaxValue);
            var userAt = usm.Offset;
            var user = usm.ReadOctetString("msgUserName");
            if (user.Length > 32)
            {
                throw new SnmpProtocolException($"msgUserName of {user.Length} octets (at most 32)", userAt);
            }

            var authParams = usm.ReadOctetString("msgAuthenticationParameters");
            var authOffset = usm.Offset - authParams.Length;
            var privParams = usm.ReadOctetString("msgPrivacyParameters");
            usm.ExpectEnd("UsmSecurityParameters");
            return (new UsmSecurityParameters(engine.ToArray(), boots, time, user.ToArray(), authParams.ToArray(), privParams.ToArray()), baseOffset + authOffset);
        }
        catch (SnmpProtocolException e) when (e.Offset >= 0)
        {
            // Report the offset in the datagram, not in the nested encoding.
            throw new SnmpProtocolException(e.Reason, baseOffset + e.Offset);
        }
    }

    /// <summary>Message id, flags and engine; never key material or plaintext.</summary>
    public override string ToString() => $"SNMPv3 msgID {MessageId} flags {Flags} {Security}";
}
