using System.Buffers;

namespace PowerWatch.Snmp;

/// <summary>The SNMP version of a message: the msgVersion number on the wire.</summary>
public enum SnmpVersion
{
    /// <summary>SNMPv1 (RFC 1157), version 0.</summary>
    V1 = 0,

    /// <summary>Community-based SNMPv2c (RFC 1901), version 1.</summary>
    V2c = 1,

    /// <summary>SNMPv3 (RFC 3412), version 3.</summary>
    V3 = 3,
}

/// <summary>
/// A community-based message, v1 or v2c (RFC 1157 §4, RFC 1901 §3):
/// <c>SEQUENCE { version INTEGER, community OCTET STRING, data PDU }</c>.
/// </summary>
public sealed class SnmpCommunityMessage
{
    /// <summary>Creates a message.</summary>
    public SnmpCommunityMessage(SnmpVersion version, ReadOnlyMemory<byte> community, SnmpPdu pdu)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        if (version == SnmpVersion.V3)
        {
            throw new ArgumentException("a community message is v1 or v2c", nameof(version));
        }

        Version = version;
        Community = community;
        Pdu = pdu;
    }

    /// <summary>v1 or v2c.</summary>
    public SnmpVersion Version { get; }

    /// <summary>The community string's octets. Not part of <see cref="ToString"/>: it is a password.</summary>
    public ReadOnlyMemory<byte> Community { get; }

    /// <summary>The PDU.</summary>
    public SnmpPdu Pdu { get; }

    /// <summary>Encodes the message.</summary>
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
        writer.WriteInteger((int)Version);
        writer.WriteOctetString(Community.Span);
        Pdu.WriteTo(writer);
        writer.EndConstructed();
    }

    /// <summary>Decodes a whole datagram. Anything but exactly one valid v1/v2c message throws <see cref="SnmpProtocolException"/>.</summary>
    public static SnmpCommunityMessage Decode(ReadOnlySpan<byte> datagram)
    {
        SnmpMessage.CheckSize(datagram);
        var outer = new BerReader(datagram);
        var message = outer.ReadSequence("Message");
        outer.ExpectEnd("the message");
        var versionAt = message.Offset;
        var version = message.ReadInteger("version", 0, int.MaxValue);
        if (version is not (0 or 1))
        {
            throw new SnmpProtocolException($"version {version} is not v1 (0) or v2c (1)", versionAt);
        }

        var community = message.ReadOctetString("community").ToArray();
        var pdu = SnmpPdu.Read(ref message);
        message.ExpectEnd("the PDU");
        if (version == 0 && pdu.Type is SnmpPduType.GetBulkRequest or SnmpPduType.InformRequest or SnmpPduType.TrapV2 or SnmpPduType.Report)
        {
            throw new SnmpProtocolException($"{pdu.Type} is not a v1 PDU", versionAt);
        }

        if (version == 1 && pdu.Type == SnmpPduType.TrapV1)
        {
            throw new SnmpProtocolException("a v1 Trap-PDU in a v2c message", versionAt);
        }

        return new SnmpCommunityMessage((SnmpVersion)version, community, pdu);
    }

    /// <summary>Version and PDU type; never the community.</summary>
    public override string ToString() => $"SNMP {Version} {Pdu.Type} request-id {Pdu.RequestId}, {Pdu.Variables.Count} variable(s)";
}

/// <summary>Helpers common to every message version.</summary>
public static class SnmpMessage
{
    /// <summary>
    /// The version of a datagram, read from its first field without decoding the rest (to choose a decoder).
    /// Throws <see cref="SnmpProtocolException"/> when the start is not a message.
    /// </summary>
    public static SnmpVersion PeekVersion(ReadOnlySpan<byte> datagram)
    {
        CheckSize(datagram);
        var outer = new BerReader(datagram);
        var message = outer.ReadSequence("Message");
        var at = message.Offset;
        var version = message.ReadInteger("version", 0, int.MaxValue);
        return version is 0 or 1 or 3 ? (SnmpVersion)version : throw new SnmpProtocolException($"unknown SNMP version {version}", at);
    }

    internal static void CheckSize(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > BerLimits.MaxMessageSize)
        {
            throw new SnmpProtocolException($"message of {datagram.Length} bytes is larger than {BerLimits.MaxMessageSize}", 0);
        }
    }
}
