namespace PowerWatch.Snmp;

/// <summary>
/// Limits every decoder of this library enforces, so hostile or broken input costs bounded work and memory.
/// </summary>
public static class BerLimits
{
    /// <summary>Largest message decoded: the largest UDP payload over IPv4 (65535 − 8 − 20).</summary>
    public const int MaxMessageSize = 65_507;

    /// <summary>
    /// Deepest nesting of constructed values. An SNMPv3 message nests five deep (message, scoped PDU, PDU, varbind
    /// list, varbind) and its security parameters two more; 16 leaves room and stops recursion bombs.
    /// </summary>
    public const int MaxDepth = 16;

    /// <summary>Most octets of a long-form length: 4 (lengths up to 2^31 − 1; anything longer cannot fit a message).</summary>
    public const int MaxLengthOctets = 4;

    /// <summary>Most content octets of an INTEGER-like value, redundant leading sign octets included.</summary>
    public const int MaxIntegerOctets = 16;
}

/// <summary>
/// A forward-only BER (X.690) reader over a span, with SNMP's subset and our rules for what is accepted:
/// <list type="bullet">
/// <item>Tags: low-tag-number form only (SNMP uses no tag above 30); a high-tag-number octet (<c>0x1F</c>) is rejected.</item>
/// <item>Lengths: definite only. The indefinite form (<c>0x80</c>) is rejected, long forms of more than
/// <see cref="BerLimits.MaxLengthOctets"/> octets are rejected, and a length running past its enclosing value is
/// rejected. A non-minimal long form (<c>81 05</c>, <c>82 00 20</c>) is accepted: BER allows it and agents send it.</item>
/// <item>INTEGER-like values: empty content is rejected; redundant leading <c>00</c>/<c>FF</c> octets are accepted
/// up to <see cref="BerLimits.MaxIntegerOctets"/> octets in all, and the value must fit its type.</item>
/// <item>Unsigned application types (Counter32, Gauge32, TimeTicks; Counter64) whose content has the sign bit set
/// without a leading <c>00</c> (an agent encoding 4294967295 as <c>FF FF FF FF</c>) are read as the unsigned value of
/// those 4 (8) octets, as net-snmp reads them; a longer negative content is rejected.</item>
/// <item>OBJECT IDENTIFIER: non-empty; a sub-identifier must be minimal (no leading <c>0x80</c> octet, X.690
/// §8.19.2), must end inside the content, must fit 32 bits, and there are at most <see cref="Oid.MaxArcs"/> arcs.</item>
/// <item>NULL and the exceptions noSuchObject/noSuchInstance/endOfMibView: empty content only.</item>
/// <item>Nesting deeper than <see cref="BerLimits.MaxDepth"/> is rejected.</item>
/// </list>
/// Every problem is an <see cref="SnmpProtocolException"/> naming the offset (from the start of the outermost buffer).
/// Nothing is allocated from a declared length before that length has been checked against the input.
/// </summary>
public ref struct BerReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _base;
    private readonly int _depth;
    private int _position;

    /// <summary>A reader over a whole buffer (offsets in errors count from its start).</summary>
    public BerReader(ReadOnlySpan<byte> data)
        : this(data, 0, 0)
    {
    }

    private BerReader(ReadOnlySpan<byte> data, int baseOffset, int depth)
    {
        _data = data;
        _base = baseOffset;
        _depth = depth;
        _position = 0;
    }

    /// <summary>True while unread bytes remain in this value.</summary>
    public readonly bool HasData => _position < _data.Length;

    /// <summary>Offset of the next byte, counted from the start of the outermost buffer.</summary>
    public readonly int Offset => _base + _position;

    /// <summary>The tag of the next value, without consuming it.</summary>
    public readonly byte PeekTag()
    {
        if (!HasData)
        {
            throw Fail("truncated: a value was expected");
        }

        return _data[_position];
    }

    /// <summary>Enters a constructed value with the given tag (a SEQUENCE, a PDU) and returns a reader over its content.</summary>
    public BerReader ReadConstructed(byte expectedTag, string what)
    {
        if (_depth + 1 > BerLimits.MaxDepth)
        {
            throw Fail($"nesting deeper than {BerLimits.MaxDepth}");
        }

        var (tag, start, length) = ReadHeader();
        if (tag != expectedTag)
        {
            throw Fail($"{what}: expected tag 0x{expectedTag:X2}, found 0x{tag:X2}", start);
        }

        return new BerReader(_data.Slice(start, length), _base + start, _depth + 1);
    }

    /// <summary>Enters a SEQUENCE (<c>0x30</c>).</summary>
    public BerReader ReadSequence(string what) => ReadConstructed(BerTag.Sequence, what);

    /// <summary>Reads any value: its tag, its content and the content's offset.</summary>
    public BerValue ReadValue()
    {
        var (tag, start, length) = ReadHeader();
        return new BerValue(tag, _data.Slice(start, length), _base + start);
    }

    /// <summary>Reads a value that must carry <paramref name="expectedTag"/> and returns its content.</summary>
    public ReadOnlySpan<byte> ReadPrimitive(byte expectedTag, string what) => ReadPrimitive(expectedTag, what, out _);

    private ReadOnlySpan<byte> ReadPrimitive(byte expectedTag, string what, out int contentOffset)
    {
        var (tag, start, length) = ReadHeader();
        if (tag != expectedTag)
        {
            throw Fail($"{what}: expected tag 0x{expectedTag:X2}, found 0x{tag:X2}", start);
        }

        contentOffset = _base + start;
        return _data.Slice(start, length);
    }

    /// <summary>Reads an INTEGER (<c>0x02</c>) that must fit 32 bits signed.</summary>
    public int ReadInt32(string what)
    {
        var content = ReadPrimitive(BerTag.Integer32, what, out var offset);
        var value = DecodeSigned(content, offset, what);
        return value is < int.MinValue or > int.MaxValue ? throw Fail($"{what}: {value} does not fit 32 bits", offset) : (int)value;
    }

    /// <summary>Reads an INTEGER that must lie in a range (request-id, msgID, engine boots and time…).</summary>
    public long ReadInteger(string what, long min, long max)
    {
        var content = ReadPrimitive(BerTag.Integer32, what, out var offset);
        var value = DecodeSigned(content, offset, what);
        return value < min || value > max ? throw Fail($"{what}: {value} is outside {min}..{max}", offset) : value;
    }

    /// <summary>Reads an OCTET STRING (<c>0x04</c>) and returns its content (no copy).</summary>
    public ReadOnlySpan<byte> ReadOctetString(string what) => ReadPrimitive(BerTag.OctetString, what);

    /// <summary>Reads a NULL (<c>0x05</c>).</summary>
    public void ReadNull(string what)
    {
        if (!ReadPrimitive(BerTag.Null, what, out var offset).IsEmpty)
        {
            throw Fail($"{what}: NULL with content", offset);
        }
    }

    /// <summary>Reads an OBJECT IDENTIFIER (<c>0x06</c>).</summary>
    public Oid ReadOid(string what)
    {
        var content = ReadPrimitive(BerTag.ObjectIdentifier, what, out var offset);
        return DecodeOid(content, offset, what);
    }

    /// <summary>Throws unless every byte of this value has been read.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (HasData)
        {
            throw Fail($"{_data.Length - _position} unexpected trailing byte(s) after {what}");
        }
    }

    /// <summary>An error at the current position.</summary>
    internal readonly SnmpProtocolException Fail(string reason) => new(reason, Offset);

    private readonly SnmpProtocolException Fail(string reason, int relative) => new(reason, _base + relative);

    private (byte Tag, int Start, int Length) ReadHeader()
    {
        if (!HasData)
        {
            throw Fail("truncated: a value was expected");
        }

        var tag = _data[_position];
        if ((tag & 0x1F) == 0x1F)
        {
            throw Fail($"tag 0x{tag:X2}: high tag numbers are not used by SNMP");
        }

        if (_position + 1 >= _data.Length)
        {
            throw Fail("truncated: the length is missing");
        }

        var first = _data[_position + 1];
        var p = _position + 2;
        long length;
        if (first < 0x80)
        {
            length = first;
        }
        else if (first == 0x80)
        {
            throw Fail("indefinite length is not allowed in SNMP");
        }
        else
        {
            var count = first & 0x7F;
            if (count > BerLimits.MaxLengthOctets)
            {
                throw Fail($"a length of {count} octets is longer than the {BerLimits.MaxLengthOctets} allowed");
            }

            if (p + count > _data.Length)
            {
                throw Fail("truncated: the length runs past the end");
            }

            length = 0;
            for (var i = 0; i < count; i++)
            {
                length = (length << 8) | _data[p + i];
            }

            p += count;
        }

        if (length > _data.Length - p)
        {
            throw Fail($"truncated: a length of {length} runs past the end ({_data.Length - p} byte(s) left)");
        }

        _position = p + (int)length;
        return (tag, p, (int)length);
    }

    /// <summary>Decodes a two's complement INTEGER content to a 64-bit value.</summary>
    internal static long DecodeSigned(ReadOnlySpan<byte> content, int offset, string what)
    {
        var minimal = StripSign(content, offset, what);
        if (minimal.Length > 8)
        {
            throw new SnmpProtocolException($"{what}: integer does not fit 64 bits", offset);
        }

        long value = (sbyte)minimal[0];
        for (var i = 1; i < minimal.Length; i++)
        {
            value = (value << 8) | minimal[i];
        }

        return value;
    }

    /// <summary>
    /// Decodes an unsigned application value (Counter32, Gauge32, TimeTicks: <paramref name="bits"/> 32; Counter64: 64)
    /// with the rule in the type's remarks for sign-bit contents.
    /// </summary>
    internal static ulong DecodeUnsigned(ReadOnlySpan<byte> content, int bits, int offset, string what)
    {
        var octets = bits / 8;
        if (content.IsEmpty)
        {
            throw new SnmpProtocolException($"{what}: empty integer", offset);
        }

        if (content.Length > BerLimits.MaxIntegerOctets)
        {
            throw new SnmpProtocolException($"{what}: integer of {content.Length} octets", offset);
        }

        if ((content[0] & 0x80) != 0)
        {
            // Negative in strict BER. Tolerated only as the raw unsigned octets of the type's own width or less.
            if (content.Length > octets)
            {
                throw new SnmpProtocolException($"{what}: negative value for an unsigned type", offset);
            }

            ulong raw = 0;
            foreach (var b in content)
            {
                raw = (raw << 8) | b;
            }

            return raw;
        }

        var i = 0;
        while (i < content.Length - 1 && content[i] == 0)
        {
            i++;
        }

        var rest = content[i..];
        if (rest.Length > octets)
        {
            throw new SnmpProtocolException($"{what}: value does not fit {bits} bits", offset);
        }

        ulong value = 0;
        foreach (var b in rest)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    private static ReadOnlySpan<byte> StripSign(ReadOnlySpan<byte> content, int offset, string what)
    {
        if (content.IsEmpty)
        {
            throw new SnmpProtocolException($"{what}: empty integer", offset);
        }

        if (content.Length > BerLimits.MaxIntegerOctets)
        {
            throw new SnmpProtocolException($"{what}: integer of {content.Length} octets", offset);
        }

        var i = 0;
        while (i < content.Length - 1
               && ((content[i] == 0x00 && (content[i + 1] & 0x80) == 0) || (content[i] == 0xFF && (content[i + 1] & 0x80) != 0)))
        {
            i++;
        }

        return content[i..];
    }

    /// <summary>Decodes OBJECT IDENTIFIER content (X.690 §8.19).</summary>
    internal static Oid DecodeOid(ReadOnlySpan<byte> content, int offset, string what)
    {
        if (content.IsEmpty)
        {
            throw new SnmpProtocolException($"{what}: empty OBJECT IDENTIFIER", offset);
        }

        // Every sub-identifier takes at least one octet; the first holds two arcs.
        var arcs = new List<uint>(Math.Min(content.Length + 1, Oid.MaxArcs));
        var i = 0;
        while (i < content.Length)
        {
            if (content[i] == 0x80)
            {
                throw new SnmpProtocolException($"{what}: sub-identifier with a leading 0x80 octet (not minimal)", offset + i);
            }

            ulong sub = 0;
            var start = i;
            while (true)
            {
                if (i >= content.Length)
                {
                    throw new SnmpProtocolException($"{what}: truncated sub-identifier", offset + start);
                }

                var b = content[i++];
                sub = (sub << 7) | (uint)(b & 0x7F);
                if (sub > uint.MaxValue)
                {
                    throw new SnmpProtocolException($"{what}: sub-identifier larger than 32 bits", offset + start);
                }

                if ((b & 0x80) == 0)
                {
                    break;
                }
            }

            if (arcs.Count == 0)
            {
                // X.690 §8.19.4: first sub-identifier = 40 * X + Y, X in 0..2.
                var (x, y) = sub < 40 ? (0u, (uint)sub) : sub < 80 ? (1u, (uint)(sub - 40)) : (2u, (uint)(sub - 80));
                arcs.Add(x);
                arcs.Add(y);
            }
            else
            {
                if (arcs.Count == Oid.MaxArcs)
                {
                    throw new SnmpProtocolException($"{what}: more than {Oid.MaxArcs} arcs", offset + start);
                }

                arcs.Add((uint)sub);
            }
        }

        return Oid.FromValidated([.. arcs]);
    }
}

/// <summary>One BER value as read: its tag, its content, and the content's offset in the outermost buffer.</summary>
public readonly ref struct BerValue
{
    /// <summary>Creates the value.</summary>
    public BerValue(byte tag, ReadOnlySpan<byte> content, int contentOffset)
    {
        Tag = tag;
        Content = content;
        ContentOffset = contentOffset;
    }

    /// <summary>The identifier octet.</summary>
    public byte Tag { get; }

    /// <summary>The content octets.</summary>
    public ReadOnlySpan<byte> Content { get; }

    /// <summary>Offset of the content in the outermost buffer.</summary>
    public int ContentOffset { get; }
}
