using System.Buffers;

namespace PowerWatch.Modbus.Tests;

public sealed class RegisterCodecTests
{
    [Theory]
    // SPEC §1.5 table: float32 230.0 on the wire (reg n, reg n+1).
    [InlineData(WordOrder.ABCD, 0x4366, 0x0000)]
    [InlineData(WordOrder.CDAB, 0x0000, 0x4366)]
    [InlineData(WordOrder.BADC, 0x6643, 0x0000)]
    [InlineData(WordOrder.DCBA, 0x0000, 0x6643)]
    public void Float32_230_decodes_and_encodes_per_the_spec_table(WordOrder order, ushort r0, ushort r1)
    {
        Assert.Equal(230.0f, RegisterDecoder.ToSingle([r0, r1], order));
        var encoded = new ushort[2];
        RegisterEncoder.FromSingle(230.0f, encoded, order);
        Assert.Equal(new[] { r0, r1 }, encoded);
    }

    [Fact]
    public void Sixty_four_bit_cdab_reverses_all_four_words_and_badc_swaps_bytes_keeping_msw_first()
    {
        // SPEC §1.5 64-bit rules, value 0x0102030405060708.
        const ulong value = 0x0102030405060708;
        ushort[] abcd = [0x0102, 0x0304, 0x0506, 0x0708];
        ushort[] cdab = [0x0708, 0x0506, 0x0304, 0x0102];
        ushort[] badc = [0x0201, 0x0403, 0x0605, 0x0807];
        ushort[] dcba = [0x0807, 0x0605, 0x0403, 0x0201];
        Assert.Equal(value, RegisterDecoder.ToUInt64(abcd, WordOrder.ABCD));
        Assert.Equal(value, RegisterDecoder.ToUInt64(cdab, WordOrder.CDAB));
        Assert.Equal(value, RegisterDecoder.ToUInt64(badc, WordOrder.BADC));
        Assert.Equal(value, RegisterDecoder.ToUInt64(dcba, WordOrder.DCBA));
        var encoded = new ushort[4];
        RegisterEncoder.FromUInt64(value, encoded, WordOrder.CDAB);
        Assert.Equal(cdab, encoded);
    }

    [Theory]
    [InlineData(WordOrder.ABCD)]
    [InlineData(WordOrder.CDAB)]
    [InlineData(WordOrder.BADC)]
    [InlineData(WordOrder.DCBA)]
    public void Every_type_round_trips_in_every_word_order(WordOrder order)
    {
        var r = new ushort[4];
        RegisterEncoder.FromInt16(-12345, r, order);
        Assert.Equal(-12345, RegisterDecoder.ToInt16(r, order));
        RegisterEncoder.FromUInt16(54321, r, order);
        Assert.Equal(54321, RegisterDecoder.ToUInt16(r, order));
        RegisterEncoder.FromInt32(-123456789, r, order);
        Assert.Equal(-123456789, RegisterDecoder.ToInt32(r, order));
        RegisterEncoder.FromUInt32(4000000000, r, order);
        Assert.Equal(4000000000u, RegisterDecoder.ToUInt32(r, order));
        RegisterEncoder.FromInt64(-1234567890123456789, r, order);
        Assert.Equal(-1234567890123456789, RegisterDecoder.ToInt64(r, order));
        RegisterEncoder.FromUInt64(18000000000000000000, r, order);
        Assert.Equal(18000000000000000000, RegisterDecoder.ToUInt64(r, order));
        RegisterEncoder.FromDouble(-273.15, r, order);
        Assert.Equal(-273.15, RegisterDecoder.ToDouble(r, order));
        RegisterEncoder.FromSingle(49.98f, r, order);
        Assert.Equal(49.98f, RegisterDecoder.ToSingle(r, order));
    }

    [Fact]
    public void Sixteen_bit_values_use_ab_or_ba()
    {
        Assert.Equal(0x1234, RegisterDecoder.ToUInt16([0x1234], WordOrder.ABCD));
        Assert.Equal(0x3412, RegisterDecoder.ToUInt16([0x1234], WordOrder.DCBA));
        Assert.Equal(-2, RegisterDecoder.ToInt16([0xFFFE]));
    }

    [Fact]
    public void Strings_are_two_chars_per_register_high_byte_first_and_cut_at_nul()
    {
        // SPEC §1.5: "SMT1500" in 5 registers.
        ushort[] regs = [0x534D, 0x5431, 0x3530, 0x3000, 0x4141];
        Assert.Equal("SMT1500", RegisterDecoder.ToString(regs));
        Assert.Equal("AB", RegisterDecoder.ToString([0x2041, 0x4220], trim: true));
        Assert.Equal(" AB ", RegisterDecoder.ToString([0x2041, 0x4220], trim: false));
        Assert.Equal("AB", RegisterDecoder.ToString([0x0041, 0x0042], layout: StringLayout.LowByte));
        var encoded = new ushort[5];
        RegisterEncoder.FromString("SMT1500", encoded);
        Assert.Equal(new ushort[] { 0x534D, 0x5431, 0x3530, 0x3000, 0x0000 }, encoded);
        Assert.Throws<ArgumentException>(() => RegisterEncoder.FromString("TOO LONG", new ushort[2]));
    }

    [Fact]
    public void Bits_of_one_register_and_of_a_multi_register_field()
    {
        Assert.True(RegisterDecoder.GetBit(0x0002, 1));
        Assert.False(RegisterDecoder.GetBit(0x0002, 0));
        // ABCD: first register holds the high word, so bit 16 is bit 0 of register 0.
        ushort[] field = [0x0001, 0x8000];
        Assert.True(RegisterDecoder.GetBit(field, 16));
        Assert.True(RegisterDecoder.GetBit(field, 15));
        Assert.False(RegisterDecoder.GetBit(field, 0));
        // CDAB: the first register is the low word, so the value is 0x8000_0001.
        Assert.True(RegisterDecoder.GetBit(field, 0, WordOrder.CDAB));
        Assert.True(RegisterDecoder.GetBit(field, 31, WordOrder.CDAB));
        Assert.False(RegisterDecoder.GetBit(field, 16, WordOrder.CDAB));
        var set = new ushort[2];
        RegisterEncoder.SetBit(set, 16, true);
        Assert.Equal(new ushort[] { 1, 0 }, set);
        Assert.Equal(0x0004, RegisterEncoder.SetBit(0, 2, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => RegisterDecoder.GetBit(field, 32));
    }
}

public sealed class PlannerTests
{
    private static ModbusRange R(int start, int count) => new((ushort)start, count);

    [Fact]
    public void Neighbours_within_max_gap_merge_and_others_do_not()
    {
        var plan = ModbusRequestPlanner.Plan([R(0, 2), R(3, 2), R(20, 1)], new PlannerOptions { MaxGap = 1 });
        Assert.Equal(new[] { R(0, 5), R(20, 1) }, plan);
    }

    [Fact]
    public void A_read_never_exceeds_the_register_limit()
    {
        var fields = Enumerable.Range(0, 100).Select(i => R(i * 2, 2)).ToList();
        var plan = ModbusRequestPlanner.Plan(fields, new PlannerOptions());
        Assert.All(plan, r => Assert.True(r.Count <= 125));
        Assert.Equal(2, plan.Count);
        Assert.Equal(new[] { R(0, 124), R(124, 76) }, plan);
    }

    [Fact]
    public void Bits_allow_2000_per_read()
    {
        var plan = ModbusRequestPlanner.Plan([R(0, 1), R(1999, 1), R(2000, 1)], PlannerOptions.ForBits() with { MaxGap = 2000 });
        Assert.Equal(new[] { R(0, 2000), R(2000, 1) }, plan);
    }

    [Fact]
    public void A_merge_never_spans_a_forbidden_address()
    {
        var options = new PlannerOptions { MaxGap = 10, ForbiddenAddresses = new HashSet<ushort> { 5 } };
        Assert.Equal(new[] { R(0, 2), R(8, 2) }, ModbusRequestPlanner.Plan([R(0, 2), R(8, 2)], options));
        Assert.Equal(new[] { R(0, 5) }, ModbusRequestPlanner.Plan([R(0, 2), R(3, 2)], options));
    }

    [Fact]
    public void One_request_per_field_disables_merging()
    {
        var plan = ModbusRequestPlanner.Plan([R(4, 1), R(0, 2), R(2, 2)], new PlannerOptions { OneRequestPerField = true, MaxGap = 100 });
        Assert.Equal(new[] { R(0, 2), R(2, 2), R(4, 1) }, plan);
    }

    [Fact]
    public void Overlapping_and_nested_fields_are_covered_whole()
    {
        var plan = ModbusRequestPlanner.Plan([R(10, 4), R(11, 1), R(12, 4), R(10, 4)], new PlannerOptions());
        Assert.Equal(new[] { R(10, 6) }, plan);
    }

    [Fact]
    public void Fields_larger_than_a_read_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ModbusRequestPlanner.Plan([R(0, 126)], new PlannerOptions()));
        Assert.Throws<ArgumentException>(() => ModbusRequestPlanner.Plan([R(0xFFFF, 2)], new PlannerOptions()));
    }

    [Fact]
    public void Plan_is_deterministic_whatever_the_input_order()
    {
        var fields = new[] { R(50, 2), R(0, 1), R(7, 3), R(30, 2), R(3, 1) };
        var options = new PlannerOptions { MaxGap = 4, MaxRegistersPerRequest = 20 };
        var a = ModbusRequestPlanner.Plan(fields, options);
        var b = ModbusRequestPlanner.Plan(fields.Reverse(), options);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Plan_is_optimal_against_brute_force_on_random_small_cases()
    {
        var random = new Random(20260101);
        for (var round = 0; round < 300; round++)
        {
            var space = 14;
            var options = new PlannerOptions
            {
                MaxRegistersPerRequest = random.Next(2, 8),
                MaxGap = random.Next(0, 4),
                ForbiddenAddresses = random.Next(2) == 0 ? null : new HashSet<ushort> { (ushort)random.Next(space) },
            };
            var fields = new List<ModbusRange>();
            for (var i = random.Next(1, 6); i > 0; i--)
            {
                var count = random.Next(1, Math.Min(3, options.MaxRegistersPerRequest) + 1);
                fields.Add(R(random.Next(0, space - count), count));
            }

            var plan = ModbusRequestPlanner.Plan(fields, options);
            Assert.True(IsValidCover(plan, fields, options), $"round {round}: plan is not a valid cover");
            var best = BruteForceMinimum(fields, options, space);
            Assert.Equal(best, plan.Count);
        }
    }

    private static bool IsValidRead(ModbusRange read, IReadOnlyCollection<ModbusRange> fields, PlannerOptions options)
    {
        if (read.Count < 1 || read.Count > options.MaxRegistersPerRequest)
        {
            return false;
        }

        // Unwanted addresses inside the read: runs no longer than MaxGap, never forbidden.
        var run = 0;
        for (var a = read.Start; a < read.End; a++)
        {
            var wanted = fields.Any(f => a >= f.Start && a < f.End);
            if (wanted)
            {
                run = 0;
                continue;
            }

            if (options.ForbiddenAddresses?.Contains((ushort)a) == true || ++run > options.MaxGap)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidCover(IReadOnlyList<ModbusRange> plan, List<ModbusRange> fields, PlannerOptions options) =>
        plan.All(r => IsValidRead(r, fields, options))
        && fields.All(f => plan.Any(r => f.Start >= r.Start && f.End <= r.End));

    private static int BruteForceMinimum(List<ModbusRange> fields, PlannerOptions options, int space)
    {
        var candidates = new List<ModbusRange>();
        for (var s = 0; s < space; s++)
        {
            for (var c = 1; s + c <= space; c++)
            {
                var read = R(s, c);
                if (IsValidRead(read, fields, options) && fields.Any(f => f.Start >= s && f.End <= s + c))
                {
                    candidates.Add(read);
                }
            }
        }

        var distinct = fields.Distinct().ToList();
        for (var k = 1; k <= distinct.Count; k++)
        {
            if (Covers(candidates, distinct, k, 0, []))
            {
                return k;
            }
        }

        return distinct.Count;
    }

    private static bool Covers(List<ModbusRange> candidates, List<ModbusRange> fields, int k, int from, List<ModbusRange> chosen)
    {
        if (fields.All(f => chosen.Any(r => f.Start >= r.Start && f.End <= r.End)))
        {
            return true;
        }

        if (k == 0)
        {
            return false;
        }

        for (var i = from; i < candidates.Count; i++)
        {
            chosen.Add(candidates[i]);
            if (Covers(candidates, fields, k - 1, i + 1, chosen))
            {
                return true;
            }

            chosen.RemoveAt(chosen.Count - 1);
        }

        return false;
    }
}

public sealed class FramerTests
{
    [Fact]
    public void Tcp_framer_waits_for_the_whole_adu_then_slices_it_off()
    {
        var adu = TestBytes.Tcp(0x1234, 0x11, "03 06 022B 0000 0064");
        var partial = new ReadOnlySequence<byte>(adu, 0, adu.Length - 1);
        Assert.False(ModbusTcpFramer.TryDecode(ref partial, out _));
        var two = new ReadOnlySequence<byte>(adu.Concat(adu).ToArray());
        Assert.True(ModbusTcpFramer.TryDecode(ref two, out var frame));
        Assert.Equal(0x1234, frame.TransactionId);
        Assert.Equal(0x11, frame.UnitId);
        Assert.Equal("0306022B00000064", TestBytes.ToHex(frame.Pdu.ToArray()));
        Assert.Equal(adu.Length, two.Length);
    }

    [Fact]
    public void Tcp_framer_rejects_protocol_id_other_than_zero_and_bad_lengths()
    {
        var wrongProtocol = new ReadOnlySequence<byte>(TestBytes.Hex("0001 0001 0006 11 03006B0003"));
        Assert.Equal(ModbusProtocolError.WrongProtocolId, Assert.Throws<ModbusProtocolException>(() => ModbusTcpFramer.TryDecode(ref wrongProtocol, out _)).Kind);
        var tooLong = new ReadOnlySequence<byte>(TestBytes.Hex("0001 0000 00FF 11 03"));
        Assert.Equal(ModbusProtocolError.FrameTooLong, Assert.Throws<ModbusProtocolException>(() => ModbusTcpFramer.TryDecode(ref tooLong, out _)).Kind);
        var tooShort = new ReadOnlySequence<byte>(TestBytes.Hex("0001 0000 0001 11"));
        Assert.Equal(ModbusProtocolError.InvalidLength, Assert.Throws<ModbusProtocolException>(() => ModbusTcpFramer.TryDecode(ref tooShort, out _)).Kind);
    }

    [Fact]
    public void Rtu_framer_skips_and_counts_garbage_before_the_reply()
    {
        var reply = TestBytes.Rtu(0x11, "03 06 022B 0000 0064");
        var buffer = new ReadOnlySequence<byte>(TestBytes.Hex("FF 11 00 42").Concat(reply).ToArray());
        Assert.True(ModbusRtuFramer.TryDecodeResponse(ref buffer, 0x11, ModbusFunctionCode.ReadHoldingRegisters, out var frame, out var skipped));
        Assert.Equal(4, skipped);
        Assert.Equal("0306022B00000064", TestBytes.ToHex(frame.Pdu.ToArray()));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Rtu_framer_ends_the_reply_at_the_length_its_function_implies()
    {
        var reply = TestBytes.Rtu(0x01, "83 02");
        var buffer = new ReadOnlySequence<byte>(reply.Concat(TestBytes.Hex("01 02 03")).ToArray());
        Assert.True(ModbusRtuFramer.TryDecodeResponse(ref buffer, 0x01, ModbusFunctionCode.ReadHoldingRegisters, out var frame, out _));
        Assert.Equal("8302", TestBytes.ToHex(frame.Pdu.ToArray()));
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void Rtu_framer_classifies_what_it_got_when_silence_ends_an_incomplete_reply()
    {
        var good = TestBytes.Rtu(0x01, "03 02 0001");
        var badCrc = good.ToArray();
        badCrc[^1] ^= 0xFF;
        Assert.Equal(ModbusProtocolError.CrcMismatch, Classify(badCrc));
        Assert.Equal(ModbusProtocolError.WrongUnitId, Classify(TestBytes.Rtu(0x02, "03 02 0001")));
        Assert.Equal(ModbusProtocolError.WrongFunctionCode, Classify(TestBytes.Rtu(0x01, "04 02 0001")));
        Assert.Equal(ModbusProtocolError.TruncatedFrame, Classify(good[..4]));
        Assert.Equal(ModbusProtocolError.Garbage, Classify(TestBytes.Hex("55 AA 55")));
        Assert.Equal(ModbusProtocolError.FrameTooLong, Classify(new byte[300]));

        static ModbusProtocolError Classify(byte[] bytes)
        {
            var seq = new ReadOnlySequence<byte>(bytes);
            Assert.False(ModbusRtuFramer.TryDecodeResponse(ref seq, 0x01, ModbusFunctionCode.ReadHoldingRegisters, out _, out _));
            return ModbusRtuFramer.ClassifyIncompleteResponse(seq, 0x01, ModbusFunctionCode.ReadHoldingRegisters);
        }
    }

    [Fact]
    public void Rtu_framer_finds_a_device_identification_reply_by_walking_its_objects()
    {
        var pdu = "2B 0E 01 83 00 00 02 00 03 414243 01 02 5859";
        var reply = TestBytes.Rtu(0x05, pdu);
        var partial = new ReadOnlySequence<byte>(reply, 0, reply.Length - 1);
        Assert.False(ModbusRtuFramer.TryDecodeResponse(ref partial, 0x05, ModbusFunctionCode.EncapsulatedInterface, out _, out _));
        var whole = new ReadOnlySequence<byte>(reply);
        Assert.True(ModbusRtuFramer.TryDecodeResponse(ref whole, 0x05, ModbusFunctionCode.EncapsulatedInterface, out var frame, out _));
        Assert.Equal(TestBytes.Hex(pdu), frame.Pdu.ToArray());
    }

    [Fact]
    public void Ascii_framer_skips_garbage_and_decodes_the_spec_example()
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var buffer = new ReadOnlySequence<byte>("xx\r\n:1103006B00037E\r\n"u8.ToArray());
        Assert.True(ModbusAsciiFramer.TryDecode(ref buffer, pdu, out var frame, out var skipped));
        Assert.Equal(4, skipped);
        Assert.Equal(0x11, frame.UnitId);
        Assert.Equal("03006B0003", TestBytes.ToHex(frame.Pdu.ToArray()));
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    [InlineData(":1103006B00037F\r\n", ModbusProtocolError.LrcMismatch)]
    [InlineData(":1103006B0G037E\r\n", ModbusProtocolError.InvalidAsciiCharacter)]
    [InlineData(":1103006B00037\r\n", ModbusProtocolError.InvalidAsciiCharacter)]
    [InlineData(":1103\r\n", ModbusProtocolError.TruncatedFrame)]
    [InlineData(":1103006B00037E\n", ModbusProtocolError.InvalidAsciiCharacter)]
    [InlineData(":110300:1103006B00037E\r\n", ModbusProtocolError.TruncatedFrame)]
    public void Ascii_framer_rejects_bad_frames_and_consumes_them(string text, ModbusProtocolError kind)
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(text));
        var e = Assert.Throws<ModbusProtocolException>(() => ModbusAsciiFramer.TryDecode(ref buffer, pdu, out _, out _));
        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Ascii_framer_rejects_an_over_long_frame()
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var buffer = new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(":" + new string('0', 600)));
        var e = Assert.Throws<ModbusProtocolException>(() => ModbusAsciiFramer.TryDecode(ref buffer, pdu, out _, out _));
        Assert.Equal(ModbusProtocolError.FrameTooLong, e.Kind);
        Assert.True(buffer.IsEmpty);
    }

    [Theory]
    // SPEC §1.3: t1.5 = 16.5/baud, t3.5 = 38.5/baud up to 19200; fixed 750 µs / 1.75 ms above.
    [InlineData(9600, 1719, 4010)]
    [InlineData(19200, 859, 2005)]
    [InlineData(38400, 750, 1750)]
    [InlineData(115200, 750, 1750)]
    public void Rtu_silence_times_follow_the_serial_line_guide(int baud, int t15Micros, int t35Micros)
    {
        var line = new ModbusSerialLine(baud);
        Assert.Equal(t15Micros, (int)Math.Round(line.T15.TotalMicroseconds));
        Assert.Equal(t35Micros, (int)Math.Round(line.T35.TotalMicroseconds));
    }

    [Fact]
    public void Wire_time_of_a_read_of_ten_registers_matches_spec_table_1_6()
    {
        // SPEC §1.6, 9600 8N1, N=10: response 25 bytes = 26.04 ms; 8E1: 28.65 ms.
        Assert.Equal(26.04, new ModbusSerialLine(9600).WireTime(25).TotalMilliseconds, 2);
        Assert.Equal(28.65, new ModbusSerialLine(9600, 8, ModbusParity.Even).WireTime(25).TotalMilliseconds, 2);
        Assert.Equal(11, new ModbusSerialLine(9600, 8, ModbusParity.None, ModbusStopBits.Two).BitsPerCharacter);
    }
}

public sealed class AsciiResyncTests
{
    [Fact]
    public void Ascii_frame_cut_short_by_a_new_colon_does_not_lose_the_next_frame()
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var buffer = new ReadOnlySequence<byte>(":110300:1103006B00037E\r\n"u8.ToArray());
        Assert.Throws<ModbusProtocolException>(() => ModbusAsciiFramer.TryDecode(ref buffer, pdu, out _, out _));
        Assert.True(ModbusAsciiFramer.TryDecode(ref buffer, pdu, out var frame, out _));
        Assert.Equal("03006B0003", TestBytes.ToHex(frame.Pdu.ToArray()));
    }
}
