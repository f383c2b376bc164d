namespace PowerWatch.Modbus;

/// <summary>CRC-16/MODBUS and LRC (SPEC §1.3, §1.4). Pure.</summary>
public static class ModbusChecksum
{
    private static readonly ushort[] CrcTable = BuildTable();

    /// <summary>CRC-16/MODBUS: poly 0xA001 (reflected 0x8005), init 0xFFFF, no final XOR. Sent low byte first.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc = (ushort)((crc >> 8) ^ CrcTable[(crc ^ b) & 0xFF]);
        }

        return crc;
    }

    /// <summary>Writes the CRC of <paramref name="data"/> low byte first into <paramref name="destination"/> (2 bytes).</summary>
    public static void WriteCrc16(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var crc = Crc16(data);
        destination[0] = (byte)crc;
        destination[1] = (byte)(crc >> 8);
    }

    /// <summary>True when the last two bytes of <paramref name="frame"/> are the CRC (low byte first) of the rest.</summary>
    public static bool HasValidCrc16(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 3)
        {
            return false;
        }

        var crc = Crc16(frame[..^2]);
        return frame[^2] == (byte)crc && frame[^1] == (byte)(crc >> 8);
    }

    /// <summary>LRC: two's complement of the 8-bit sum of the raw bytes.</summary>
    public static byte Lrc(ReadOnlySpan<byte> data)
    {
        byte sum = 0;
        foreach (var b in data)
        {
            sum += b;
        }

        return (byte)-sum;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var c = (ushort)i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (ushort)((c >> 1) ^ 0xA001) : (ushort)(c >> 1);
            }

            table[i] = c;
        }

        return table;
    }
}
