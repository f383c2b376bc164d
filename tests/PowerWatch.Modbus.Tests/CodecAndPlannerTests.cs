using System.Buffers;

namespace PowerWatch.Modbus.Tests;

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
