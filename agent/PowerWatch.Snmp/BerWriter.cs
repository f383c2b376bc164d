using System.Buffers;

namespace PowerWatch.Snmp;

/// <summary>The identifier octets SNMP uses (X.690 universal types; RFC 2578 §7.1 application types; RFC 3416 §3 context tags).</summary>
public static class BerTag
{
    /// <summary>INTEGER (Integer32).</summary>
    public const byte Integer32 = 0x02;

    /// <summary>OCTET STRING.</summary>
    public const byte OctetString = 0x04;

    /// <summary>NULL.</summary>
    public const byte Null = 0x05;

    /// <summary>OBJECT IDENTIFIER.</summary>
    public const byte ObjectIdentifier = 0x06;

    /// <summary>SEQUENCE (constructed).</summary>
    public const byte Sequence = 0x30;

    /// <summary>[APPLICATION 0] IpAddress, 4 octets.</summary>
    public const byte IpAddress = 0x40;

    /// <summary>[APPLICATION 1] Counter32.</summary>
    public const byte Counter32 = 0x41;

    /// <summary>[APPLICATION 2] Gauge32 (Unsigned32).</summary>
    public const byte Gauge32 = 0x42;

    /// <summary>[APPLICATION 3] TimeTicks, hundredths of a second.</summary>
    public const byte TimeTicks = 0x43;

    /// <summary>[APPLICATION 4] Opaque.</summary>
    public const byte Opaque = 0x44;

    /// <summary>[APPLICATION 6] Counter64.</summary>
    public const byte Counter64 = 0x46;

    /// <summary>[CONTEXT 0] noSuchObject (primitive, empty).</summary>
    public const byte NoSuchObject = 0x80;

    /// <summary>[CONTEXT 1] noSuchInstance (primitive, empty).</summary>
    public const byte NoSuchInstance = 0x81;

    /// <summary>[CONTEXT 2] endOfMibView (primitive, empty).</summary>
    public const byte EndOfMibView = 0x82;
}

/// <summary>
/// Writes BER in its minimal (DER-like) form: definite lengths in the fewest octets, minimal integers and
/// sub-identifiers. Constructed values are opened with <see cref="BeginConstructed"/> and closed with
/// <see cref="EndConstructed"/>; their lengths are filled in on close. The result goes to an
/// <see cref="IBufferWriter{T}"/> with <see cref="CopyTo"/>, or is read with <see cref="WrittenSpan"/>.
/// </summary>
public sealed class BerWriter
{
    private readonly Stack<int> _open = new();
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public BerWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    /// <summary>The bytes written so far (complete once every constructed value is closed).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Number of bytes written.</summary>
    public int Length => _length;

    /// <summary>Copies the encoding to <paramref name="output"/>. Every constructed value must be closed.</summary>
    public void CopyTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_open.Count > 0)
        {
            throw new InvalidOperationException($"{_open.Count} constructed value(s) still open");
        }

        output.Write(WrittenSpan);
    }

    /// <summary>Opens a constructed value (a SEQUENCE, a PDU).</summary>
    public void BeginConstructed(byte tag)
    {
        WriteByte(tag);
        _open.Push(_length);
        WriteByte(0);
    }

    /// <summary>Opens a SEQUENCE.</summary>
    public void BeginSequence() => BeginConstructed(BerTag.Sequence);

    /// <summary>Closes the innermost open constructed value and writes its length.</summary>
    public void EndConstructed()
    {
        var lengthAt = _open.Pop();
        var contentStart = lengthAt + 1;
        var contentLength = _length - contentStart;
        var extra = LengthOctets(contentLength) - 1;
        if (extra > 0)
        {
            Ensure(extra);
            Array.Copy(_buffer, contentStart, _buffer, contentStart + extra, contentLength);
            _length += extra;
        }

        WriteLength(_buffer.AsSpan(lengthAt), contentLength);
    }

    /// <summary>Writes a value whose content is given.</summary>
    public void WritePrimitive(byte tag, ReadOnlySpan<byte> content)
    {
        WriteHeader(tag, content.Length);
        Append(content);
    }

    /// <summary>Writes a signed INTEGER-like value (INTEGER, or another tag with the same content rules).</summary>
    public void WriteInteger(long value, byte tag = BerTag.Integer32)
    {
        Span<byte> bytes = stackalloc byte[8];
        for (var i = 7; i >= 0; i--)
        {
            bytes[i] = (byte)value;
            value >>= 8;
        }

        var start = 0;
        while (start < 7 && ((bytes[start] == 0x00 && (bytes[start + 1] & 0x80) == 0) || (bytes[start] == 0xFF && (bytes[start + 1] & 0x80) != 0)))
        {
            start++;
        }

        WritePrimitive(tag, bytes[start..]);
    }

    /// <summary>Writes an unsigned application value (Counter32, Gauge32, TimeTicks, Counter64): a leading 00 when the top bit is set.</summary>
    public void WriteUnsigned(ulong value, byte tag)
    {
        Span<byte> bytes = stackalloc byte[9];
        for (var i = 8; i >= 1; i--)
        {
            bytes[i] = (byte)value;
            value >>= 8;
        }

        var start = 0;
        while (start < 8 && bytes[start] == 0 && (bytes[start + 1] & 0x80) == 0)
        {
            start++;
        }

        WritePrimitive(tag, bytes[start..]);
    }

    /// <summary>Writes an OCTET STRING (or another tag with raw content).</summary>
    public void WriteOctetString(ReadOnlySpan<byte> value, byte tag = BerTag.OctetString) => WritePrimitive(tag, value);

    /// <summary>Writes a NULL, or an empty exception value when <paramref name="tag"/> is 0x80–0x82.</summary>
    public void WriteNull(byte tag = BerTag.Null) => WriteHeader(tag, 0);

    /// <summary>Writes an OBJECT IDENTIFIER (X.690 §8.19).</summary>
    public void WriteOid(Oid oid)
    {
        if (oid.Length < 2)
        {
            throw new ArgumentException("an empty OID cannot be encoded", nameof(oid));
        }

        var arcs = oid.Arcs;
        Span<byte> content = stackalloc byte[5 * Oid.MaxArcs];
        var n = WriteSubIdentifier(content, (ulong)arcs[0] * 40 + arcs[1]);
        for (var i = 2; i < arcs.Length; i++)
        {
            n += WriteSubIdentifier(content[n..], arcs[i]);
        }

        WritePrimitive(BerTag.ObjectIdentifier, content[..n]);
    }

    /// <summary>Appends bytes that are already a BER encoding.</summary>
    public void WriteEncoded(ReadOnlySpan<byte> encoded) => Append(encoded);

    /// <summary>Octets a definite length takes.</summary>
    internal static int LengthOctets(int length) => length < 0x80 ? 1 : length <= 0xFF ? 2 : length <= 0xFFFF ? 3 : length <= 0xFFFFFF ? 4 : 5;

    private static int WriteSubIdentifier(Span<byte> destination, ulong value)
    {
        var groups = 1;
        for (var v = value >> 7; v != 0; v >>= 7)
        {
            groups++;
        }

        for (var i = 0; i < groups; i++)
        {
            var shift = 7 * (groups - 1 - i);
            destination[i] = (byte)(((value >> shift) & 0x7F) | (i < groups - 1 ? 0x80u : 0u));
        }

        return groups;
    }

    private static void WriteLength(Span<byte> destination, int length)
    {
        var octets = LengthOctets(length);
        if (octets == 1)
        {
            destination[0] = (byte)length;
            return;
        }

        destination[0] = (byte)(0x80 | (octets - 1));
        for (var i = octets - 1; i >= 1; i--)
        {
            destination[i] = (byte)length;
            length >>= 8;
        }
    }

    private void WriteHeader(byte tag, int length)
    {
        WriteByte(tag);
        var octets = LengthOctets(length);
        Ensure(octets);
        WriteLength(_buffer.AsSpan(_length), length);
        _length += octets;
    }

    private void WriteByte(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
        }
    }
}
