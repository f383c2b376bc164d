using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class RegisterWordsTests
{
    // SPEC-DEVICES §1.5 table: float32 230.0 on the wire (reg n, reg n+1) in each Telegraf byte order.
    [Theory]
    [InlineData(WordOrder.Abcd, 0x4366, 0x0000)]
    [InlineData(WordOrder.Cdab, 0x0000, 0x4366)]
    [InlineData(WordOrder.Badc, 0x6643, 0x0000)]
    [InlineData(WordOrder.Dcba, 0x0000, 0x6643)]
    public void Float32_230_decodes_in_every_word_order(WordOrder order, int reg0, int reg1)
    {
        ushort[] regs = [(ushort)reg0, (ushort)reg1];
        Assert.Equal(230.0f, RegisterWords.ReadFloat32(regs, order));
    }

    [Theory]
    [InlineData(WordOrder.Abcd, 0x1234, 0x5678)]
    [InlineData(WordOrder.Cdab, 0x5678, 0x1234)]
    [InlineData(WordOrder.Badc, 0x3412, 0x7856)]
    [InlineData(WordOrder.Dcba, 0x7856, 0x3412)]
    public void Uint32_0x12345678_decodes_in_every_word_order(WordOrder order, int reg0, int reg1)
    {
        ushort[] regs = [(ushort)reg0, (ushort)reg1];
        Assert.Equal(0x12345678u, RegisterWords.ReadUInt32(regs, order));
    }

    // SPEC §1.5 "64-bit: CDAB reverses all four words (LSW first); BADC byte-swaps each word while keeping MSW first".
    [Theory]
    [InlineData(WordOrder.Abcd, 0x0102, 0x0304, 0x0506, 0x0708)]
    [InlineData(WordOrder.Cdab, 0x0708, 0x0506, 0x0304, 0x0102)]
    [InlineData(WordOrder.Badc, 0x0201, 0x0403, 0x0605, 0x0807)]
    [InlineData(WordOrder.Dcba, 0x0807, 0x0605, 0x0403, 0x0201)]
    public void Uint64_decodes_in_every_word_order(WordOrder order, int r0, int r1, int r2, int r3)
    {
        ushort[] regs = [(ushort)r0, (ushort)r1, (ushort)r2, (ushort)r3];
        Assert.Equal(0x0102030405060708UL, RegisterWords.ReadUInt64(regs, order));
    }

    [Fact]
    public void Int32_negative_is_twos_complement_high_word_first()
    {
        // -1000 W = 0xFFFFFC18 (DSE s32, MSW first, SPEC §3.1).
        Assert.Equal(-1000, RegisterWords.ReadInt32([0xFFFF, 0xFC18], WordOrder.Abcd));
    }

    [Fact]
    public void Int64_negative_decodes()
    {
        Assert.Equal(-2L, RegisterWords.ReadInt64([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE], WordOrder.Abcd));
    }

    [Fact]
    public void Float64_decodes_big_endian_and_word_swapped()
    {
        // 230.0 as IEEE-754 binary64 = 0x406CC00000000000.
        Assert.Equal(230.0, RegisterWords.ReadFloat64([0x406C, 0xC000, 0x0000, 0x0000], WordOrder.Abcd));
        Assert.Equal(230.0, RegisterWords.ReadFloat64([0x0000, 0x0000, 0xC000, 0x406C], WordOrder.Cdab));
        Assert.Equal(230.0, RegisterWords.ReadFloat64([0x6C40, 0x00C0, 0x0000, 0x0000], WordOrder.Badc));
        Assert.Equal(230.0, RegisterWords.ReadFloat64([0x0000, 0x0000, 0x00C0, 0x6C40], WordOrder.Dcba));
    }

    [Fact]
    public void Int16_with_swapped_bytes_decodes()
    {
        Assert.Equal((short)-2, RegisterWords.ReadInt16([0xFEFF], WordOrder.Badc));
        Assert.Equal((short)-2, RegisterWords.ReadInt16([0xFFFE], WordOrder.Abcd));
    }

    [Fact]
    public void Register_string_skips_leading_zero_registers_stops_at_nul_and_trims()
    {
        // SPEC §2.1: leading all-zero registers skipped, trailing NUL and spaces trimmed, non-printables → spaces.
        ushort[] regs = [0x0000, 0x534D, 0x5431, 0x3530, 0x3020, 0x2000, 0x4142];
        Assert.Equal("SMT1500", RegisterStrings.Decode(regs));
        Assert.Equal("A B", RegisterStrings.Decode([0x4101, 0x4200]));

        // An odd-length string right-aligned: the first character is in the low byte (NUT-AM _apc_modbus_to_string).
        Assert.Equal("ABC", RegisterStrings.Decode([0x0000, 0x0041, 0x4243]));
    }

    // The vectors below came with PowerWatch.Modbus's RegisterCodec (removed: RegisterWords is the one decoder).
    [Fact]
    public void Sixteen_bit_values_use_ab_or_ba()
    {
        Assert.Equal(0x1234, RegisterWords.ReadUInt16([0x1234], WordOrder.Abcd));
        Assert.Equal(0x3412, RegisterWords.ReadUInt16([0x1234], WordOrder.Dcba));
        Assert.Equal(-2, RegisterWords.ReadInt16([0xFFFE], WordOrder.Abcd));
    }

    [Theory]
    [InlineData(WordOrder.Abcd)]
    [InlineData(WordOrder.Cdab)]
    [InlineData(WordOrder.Badc)]
    [InlineData(WordOrder.Dcba)]
    public void Every_type_decodes_from_its_big_endian_bytes_in_every_word_order(WordOrder order)
    {
        Assert.Equal((short)-12345, RegisterWords.ReadInt16(Registers(unchecked((ushort)-12345), 1, order), order));
        Assert.Equal((ushort)54321, RegisterWords.ReadUInt16(Registers(54321, 1, order), order));
        Assert.Equal(-123456789, RegisterWords.ReadInt32(Registers(unchecked((uint)-123456789), 2, order), order));
        Assert.Equal(4000000000u, RegisterWords.ReadUInt32(Registers(4000000000u, 2, order), order));
        Assert.Equal(-1234567890123456789, RegisterWords.ReadInt64(Registers(unchecked((ulong)-1234567890123456789), 4, order), order));
        Assert.Equal(18000000000000000000, RegisterWords.ReadUInt64(Registers(18000000000000000000, 4, order), order));
        Assert.Equal(-273.15, RegisterWords.ReadFloat64(Registers(BitConverter.DoubleToUInt64Bits(-273.15), 4, order), order));
        Assert.Equal(49.98f, RegisterWords.ReadFloat32(Registers(BitConverter.SingleToUInt32Bits(49.98f), 2, order), order));
    }

    [Fact]
    public void A_multi_register_bit_field_is_one_integer_in_its_word_order()
    {
        // ABCD: the first register holds the high word, so bit 16 is bit 0 of register 0; CDAB: 0x8000_0001.
        ushort[] field = [0x0001, 0x8000];
        Assert.Equal(0x0001_8000UL, RegisterWords.ReadRaw(field, WordOrder.Abcd));
        Assert.Equal(0x8000_0001UL, RegisterWords.ReadRaw(field, WordOrder.Cdab));
    }

    [Fact]
    public void Register_string_of_two_chars_per_register_ends_at_nul()
    {
        // SPEC §1.5: "SMT1500" in 5 registers.
        Assert.Equal("SMT1500", RegisterStrings.Decode([0x534D, 0x5431, 0x3530, 0x3000, 0x4141]));
    }

    /// <summary>
    /// Test oracle: the <paramref name="count"/> registers a device sends for the bit pattern <paramref name="bits"/> in
    /// <paramref name="order"/> (ABCD = words high first, bytes high first; CDAB reverses the words; BADC swaps the
    /// bytes of each word; DCBA does both).
    /// </summary>
    private static ushort[] Registers(ulong bits, int count, WordOrder order)
    {
        var words = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            var word = (ushort)(bits >> (16 * (count - 1 - i)));
            words[i] = order is WordOrder.Badc or WordOrder.Dcba ? (ushort)((word << 8) | (word >> 8)) : word;
        }

        return order is WordOrder.Cdab or WordOrder.Dcba ? [.. words.Reverse()] : words;
    }
}
