using System.Globalization;
using System.Net;
using System.Text;

namespace PowerWatch.Snmp;

/// <summary>The type of a variable's value: its BER tag (RFC 2578 §7.1, RFC 3416 §3).</summary>
public enum SnmpType : byte
{
    /// <summary>INTEGER (Integer32).</summary>
    Integer32 = BerTag.Integer32,

    /// <summary>OCTET STRING.</summary>
    OctetString = BerTag.OctetString,

    /// <summary>NULL (the value of every variable in a request).</summary>
    Null = BerTag.Null,

    /// <summary>OBJECT IDENTIFIER.</summary>
    ObjectIdentifier = BerTag.ObjectIdentifier,

    /// <summary>IpAddress (4 octets, network order).</summary>
    IpAddress = BerTag.IpAddress,

    /// <summary>Counter32.</summary>
    Counter32 = BerTag.Counter32,

    /// <summary>Gauge32 / Unsigned32.</summary>
    Gauge32 = BerTag.Gauge32,

    /// <summary>TimeTicks (hundredths of a second).</summary>
    TimeTicks = BerTag.TimeTicks,

    /// <summary>Opaque (raw octets, usually a nested BER value).</summary>
    Opaque = BerTag.Opaque,

    /// <summary>Counter64.</summary>
    Counter64 = BerTag.Counter64,

    /// <summary>v2c/v3 exception: the agent has no such object.</summary>
    NoSuchObject = BerTag.NoSuchObject,

    /// <summary>v2c/v3 exception: the object exists but not this instance.</summary>
    NoSuchInstance = BerTag.NoSuchInstance,

    /// <summary>v2c/v3 exception: nothing follows in the agent's view (the end of a walk).</summary>
    EndOfMibView = BerTag.EndOfMibView,
}

/// <summary>A variable's value: one of the SNMP types, immutable.</summary>
public readonly struct SnmpValue : IEquatable<SnmpValue>
{
    private readonly ulong _bits;
    private readonly byte[]? _bytes;
    private readonly Oid _oid;

    private SnmpValue(SnmpType type, ulong bits = 0, byte[]? bytes = null, Oid oid = default)
    {
        Type = type;
        _bits = bits;
        _bytes = bytes;
        _oid = oid;
    }

    /// <summary>The value's type. <c>default(SnmpValue)</c> has type 0 and is not a valid value.</summary>
    public SnmpType Type { get; }

    /// <summary>True for noSuchObject, noSuchInstance and endOfMibView.</summary>
    public bool IsException => Type is SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView;

    /// <summary>NULL.</summary>
    public static SnmpValue Null => new(SnmpType.Null);

    /// <summary>noSuchObject.</summary>
    public static SnmpValue NoSuchObject => new(SnmpType.NoSuchObject);

    /// <summary>noSuchInstance.</summary>
    public static SnmpValue NoSuchInstance => new(SnmpType.NoSuchInstance);

    /// <summary>endOfMibView.</summary>
    public static SnmpValue EndOfMibView => new(SnmpType.EndOfMibView);

    /// <summary>An INTEGER.</summary>
    public static SnmpValue Integer32(int value) => new(SnmpType.Integer32, unchecked((ulong)value));

    /// <summary>An OCTET STRING (copied).</summary>
    public static SnmpValue OctetString(ReadOnlySpan<byte> value) => new(SnmpType.OctetString, bytes: value.ToArray());

    /// <summary>An OCTET STRING holding UTF-8 text.</summary>
    public static SnmpValue OctetString(string value) => new(SnmpType.OctetString, bytes: Encoding.UTF8.GetBytes(value));

    /// <summary>An OBJECT IDENTIFIER.</summary>
    public static SnmpValue ObjectIdentifier(Oid value) =>
        value.IsEmpty ? throw new ArgumentException("an empty OID is not a value", nameof(value)) : new(SnmpType.ObjectIdentifier, oid: value);

    /// <summary>An IpAddress (IPv4 only).</summary>
    public static SnmpValue IpAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 ? new(SnmpType.IpAddress, bytes: bytes) : throw new ArgumentException("IpAddress is IPv4 only", nameof(address));
    }

    /// <summary>A Counter32.</summary>
    public static SnmpValue Counter32(uint value) => new(SnmpType.Counter32, value);

    /// <summary>A Gauge32.</summary>
    public static SnmpValue Gauge32(uint value) => new(SnmpType.Gauge32, value);

    /// <summary>TimeTicks (hundredths of a second).</summary>
    public static SnmpValue TimeTicks(uint value) => new(SnmpType.TimeTicks, value);

    /// <summary>An Opaque (copied).</summary>
    public static SnmpValue Opaque(ReadOnlySpan<byte> value) => new(SnmpType.Opaque, bytes: value.ToArray());

    /// <summary>A Counter64.</summary>
    public static SnmpValue Counter64(ulong value) => new(SnmpType.Counter64, value);

    /// <summary>The INTEGER value.</summary>
    public int AsInt32() => Type == SnmpType.Integer32 ? unchecked((int)_bits) : throw WrongType("INTEGER");

    /// <summary>The value of a Counter32, Gauge32 or TimeTicks.</summary>
    public uint AsUInt32() => Type is SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks ? (uint)_bits : throw WrongType("Counter32, Gauge32 or TimeTicks");

    /// <summary>The value of a Counter64.</summary>
    public ulong AsUInt64() => Type == SnmpType.Counter64 ? _bits : throw WrongType("Counter64");

    /// <summary>
    /// Any numeric value as a 64-bit integer: INTEGER, Counter32, Gauge32, TimeTicks, and a Counter64 up to
    /// <see cref="long.MaxValue"/>. False for other types and exceptions.
    /// </summary>
    public bool TryGetInt64(out long value)
    {
        switch (Type)
        {
            case SnmpType.Integer32:
                value = unchecked((int)_bits);
                return true;
            case SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks:
                value = (long)_bits;
                return true;
            case SnmpType.Counter64 when _bits <= long.MaxValue:
                value = (long)_bits;
                return true;
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>The octets of an OCTET STRING, IpAddress or Opaque.</summary>
    public ReadOnlyMemory<byte> AsBytes() => _bytes ?? throw WrongType("OCTET STRING, IpAddress or Opaque");

    /// <summary>An OCTET STRING as UTF-8 text (invalid sequences become U+FFFD).</summary>
    public string AsString() => Type == SnmpType.OctetString ? Encoding.UTF8.GetString(_bytes!) : throw WrongType("OCTET STRING");

    /// <summary>The OBJECT IDENTIFIER value.</summary>
    public Oid AsOid() => Type == SnmpType.ObjectIdentifier ? _oid : throw WrongType("OBJECT IDENTIFIER");

    /// <summary>The IpAddress value.</summary>
    public IPAddress AsIpAddress() => Type == SnmpType.IpAddress ? new IPAddress(_bytes!) : throw WrongType("IpAddress");

    /// <summary>Encodes the value.</summary>
    public void WriteTo(BerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Type)
        {
            case SnmpType.Integer32:
                writer.WriteInteger(unchecked((int)_bits));
                break;
            case SnmpType.OctetString or SnmpType.IpAddress or SnmpType.Opaque:
                writer.WriteOctetString(_bytes, (byte)Type);
                break;
            case SnmpType.Null or SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView:
                writer.WriteNull((byte)Type);
                break;
            case SnmpType.ObjectIdentifier:
                writer.WriteOid(_oid);
                break;
            case SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64:
                writer.WriteUnsigned(_bits, (byte)Type);
                break;
            default:
                throw new InvalidOperationException("default(SnmpValue) cannot be encoded");
        }
    }

    /// <summary>Decodes a value from a varbind (any of the types above; another tag is a protocol error).</summary>
    public static SnmpValue Read(ref BerReader reader)
    {
        var value = reader.ReadValue();
        var content = value.Content;
        var at = value.ContentOffset;
        switch (value.Tag)
        {
            case BerTag.Integer32:
                var n = BerReader.DecodeSigned(content, at, "INTEGER value");
                return n is < int.MinValue or > int.MaxValue
                    ? throw new SnmpProtocolException($"INTEGER value {n} does not fit 32 bits", at)
                    : Integer32((int)n);
            case BerTag.OctetString:
                return OctetString(content);
            case BerTag.Opaque:
                return Opaque(content);
            case BerTag.IpAddress:
                return content.Length == 4
                    ? new(SnmpType.IpAddress, bytes: content.ToArray())
                    : throw new SnmpProtocolException($"IpAddress of {content.Length} octets (4 expected)", at);
            case BerTag.ObjectIdentifier:
                return new(SnmpType.ObjectIdentifier, oid: BerReader.DecodeOid(content, at, "OBJECT IDENTIFIER value"));
            case BerTag.Counter32 or BerTag.Gauge32 or BerTag.TimeTicks:
                return new((SnmpType)value.Tag, BerReader.DecodeUnsigned(content, 32, at, ((SnmpType)value.Tag).ToString()));
            case BerTag.Counter64:
                return Counter64(BerReader.DecodeUnsigned(content, 64, at, "Counter64"));
            case BerTag.Null or BerTag.NoSuchObject or BerTag.NoSuchInstance or BerTag.EndOfMibView:
                return content.IsEmpty
                    ? new((SnmpType)value.Tag)
                    : throw new SnmpProtocolException($"{(SnmpType)value.Tag} with content", at);
            default:
                throw new SnmpProtocolException($"unsupported value type 0x{value.Tag:X2}", at - 2);
        }
    }

    /// <inheritdoc />
    public bool Equals(SnmpValue other) =>
        Type == other.Type && _bits == other._bits && _oid == other._oid
        && (_bytes is null ? other._bytes is null : other._bytes is not null && _bytes.AsSpan().SequenceEqual(other._bytes));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SnmpValue other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, _bits, _oid, _bytes?.Length ?? -1);

    /// <summary>Type and value, as net-snmp prints them (<c>Counter32: 7</c>, <c>STRING: "text"</c>).</summary>
    public override string ToString() => Type switch
    {
        SnmpType.Integer32 => "INTEGER: " + AsInt32().ToString(CultureInfo.InvariantCulture),
        SnmpType.OctetString => "STRING: \"" + AsString() + "\"",
        SnmpType.Null => "NULL",
        SnmpType.ObjectIdentifier => "OID: " + _oid,
        SnmpType.IpAddress => "IpAddress: " + AsIpAddress(),
        SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64 => $"{Type}: {_bits.ToString(CultureInfo.InvariantCulture)}",
        SnmpType.Opaque => "Opaque: " + Convert.ToHexString(_bytes!),
        _ => Type.ToString(),
    };

    private InvalidOperationException WrongType(string expected) => new($"the value is {Type}, not {expected}");

    /// <summary>Compares two values.</summary>
    public static bool operator ==(SnmpValue left, SnmpValue right) => left.Equals(right);

    /// <summary>Compares two values.</summary>
    public static bool operator !=(SnmpValue left, SnmpValue right) => !left.Equals(right);
}

/// <summary>A variable binding: an OID and its value.</summary>
public readonly record struct SnmpVariable(Oid Oid, SnmpValue Value)
{
    /// <summary>A variable with a NULL value, as requests carry.</summary>
    public static SnmpVariable Request(Oid oid) => new(oid, SnmpValue.Null);

    /// <summary>OID = type: value, as <c>snmpget -On</c> prints it.</summary>
    public override string ToString() => $".{Oid} = {Value}";
}
