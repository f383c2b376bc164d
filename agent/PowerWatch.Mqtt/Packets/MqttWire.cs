using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PowerWatch.Mqtt.Packets;

/// <summary>Primitive MQTT data representations (MQTT 5.0 §1.5, MQTT 3.1.1 §1.5) written to a buffer writer.</summary>
internal static class MqttWire
{
    /// <summary>Largest value a variable byte integer can hold (4 bytes, MQTT 5.0 §1.5.5).</summary>
    public const int MaxVariableByteInteger = 268_435_455;

    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static int VariableByteIntegerSize(int value) => value switch
    {
        < 0 => throw new ArgumentOutOfRangeException(nameof(value)),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        <= MaxVariableByteInteger => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "exceeds 268,435,455"),
    };

    /// <summary>Writes a variable byte integer; returns the number of bytes (1..4).</summary>
    public static int WriteVariableByteInteger(Span<byte> destination, int value)
    {
        _ = VariableByteIntegerSize(value);
        var i = 0;
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            if (value > 0)
            {
                b |= 0x80;
            }

            destination[i++] = b;
        }
        while (value > 0);
        return i;
    }

    public static void WriteVariableByteInteger(IBufferWriter<byte> writer, int value)
    {
        var span = writer.GetSpan(4);
        writer.Advance(WriteVariableByteInteger(span, value));
    }

    public static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }

    public static void WriteUInt16(IBufferWriter<byte> writer, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    public static void WriteUInt32(IBufferWriter<byte> writer, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    /// <summary>UTF-8 encoded string with a two-byte length prefix; rejects U+0000, lone surrogates and &gt; 65,535 bytes.</summary>
    public static void WriteString(IBufferWriter<byte> writer, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("MQTT strings must not contain U+0000", nameof(value));
        }

        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("string is not valid UTF-16 (lone surrogate)", nameof(value), e);
        }

        if (length > ushort.MaxValue)
        {
            throw new ArgumentException("MQTT strings are limited to 65,535 UTF-8 bytes", nameof(value));
        }

        var span = writer.GetSpan(2 + length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)length);
        StrictUtf8.GetBytes(value, span[2..]);
        writer.Advance(2 + length);
    }

    /// <summary>Binary data with a two-byte length prefix.</summary>
    public static void WriteBinary(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("MQTT binary data is limited to 65,535 bytes", nameof(value));
        }

        var span = writer.GetSpan(2 + value.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value.Length);
        value.CopyTo(span[2..]);
        writer.Advance(2 + value.Length);
    }

    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return;
        }

        value.CopyTo(writer.GetSpan(value.Length));
        writer.Advance(value.Length);
    }
}
