using System.Buffers;
using System.Buffers.Binary;

namespace PowerWatch.Modbus.Tests;

public sealed class ChecksumTests
{
    [Fact]
    public void Crc_of_read_ten_registers_from_unit_1_is_sent_as_C5_CD()
    {
        // SPEC §1.3 test vector: 01 03 00 00 00 0A -> C5 CD (low byte first).
        var adu = TestBytes.Rtu(0x01, "03 0000 000A");
        Assert.Equal("01030000000AC5CD", TestBytes.ToHex(adu));
    }

    [Fact]
    public void Crc_of_spec_example_11_03_00_6B_00_03_is_0x8776_sent_low_byte_first()
    {
        // SPEC §1.3 test vector (matches the 21ic example): CRC 0x8776 sent as 76 87.
        Assert.Equal(0x8776, ModbusChecksum.Crc16(TestBytes.Hex("11 03 00 6B 00 03")));
        Assert.Equal("1103006B00037687", TestBytes.ToHex(TestBytes.Rtu(0x11, "03 006B 0003")));
    }

    [Fact]
    public void Lrc_of_spec_example_is_7E_and_the_ascii_frame_matches_byte_for_byte()
    {
        // SPEC §1.4: 11 03 00 6B 00 03 -> LRC 7E, frame ":1103006B00037E\r\n" (17 bytes).
        Assert.Equal(0x7E, ModbusChecksum.Lrc(TestBytes.Hex("11 03 00 6B 00 03")));
        var frame = new byte[32];
        var n = ModbusAsciiFramer.Encode(0x11, TestBytes.Hex("03 006B 0003"), frame);
        Assert.Equal(":1103006B00037E\r\n", System.Text.Encoding.ASCII.GetString(frame, 0, n));
        Assert.Equal(17, n);
    }

    [Fact]
    public void Crc_check_rejects_a_frame_with_one_flipped_bit()
    {
        var adu = TestBytes.Rtu(0x01, "03 0000 000A");
        Assert.True(ModbusChecksum.HasValidCrc16(adu));
        adu[3] ^= 0x01;
        Assert.False(ModbusChecksum.HasValidCrc16(adu));
    }
}

/// <summary>Golden PDUs: the examples of the Modbus Application Protocol Specification V1.1b3, §6.x and §7.</summary>
public sealed class PduGoldenTests
{
    private static string Req(Func<byte[], int> encode)
    {
        var buffer = new byte[ModbusLimits.MaxPduLength];
        var n = encode(buffer);
        return TestBytes.ToHex(buffer.AsSpan(0, n));
    }

    private static string Server(string requestHex, Action<ModbusDataStore> setup, params byte[] unitIds)
    {
        var store = new ModbusDataStore();
        setup(store);
        var handler = new ModbusDataStoreHandler(store, unitIds);
        var response = new ArrayBufferWriter<byte>();
        Assert.True(handler.TryHandle(1, TestBytes.Hex(requestHex), response));
        return TestBytes.ToHex(response.WrittenSpan);
    }

    [Fact]
    public void Read_coils_matches_spec_example_6_1()
    {
        // §6.1: read coils 20-38 -> request 01 0013 0013, response 01 03 CD 6B 05.
        Assert.Equal("0100130013", Req(b => ModbusPdu.WriteReadRequest(b, ModbusFunctionCode.ReadCoils, 0x13, 0x13)));
        var bits = new bool[19];
        ModbusPdu.ReadBitsResponse(TestBytes.Hex("01 03 CD 6B 05"), ModbusFunctionCode.ReadCoils, bits);
        Assert.Equal("1011001111010110101", string.Concat(bits.Select(b => b ? '1' : '0')));
        Assert.Equal("0103CD6B05", Server("01 0013 0013", s => s.SetBits(ModbusTable.Coils, 0x13, bits)));
    }

    [Fact]
    public void Read_discrete_inputs_matches_spec_example_6_2()
    {
        // §6.2: inputs 197-218 -> request 02 00C4 0016, response 02 03 AC DB 35.
        Assert.Equal("0200C40016", Req(b => ModbusPdu.WriteReadRequest(b, ModbusFunctionCode.ReadDiscreteInputs, 0xC4, 0x16)));
        var bits = new bool[22];
        ModbusPdu.ReadBitsResponse(TestBytes.Hex("02 03 AC DB 35"), ModbusFunctionCode.ReadDiscreteInputs, bits);
        Assert.Equal("0203ACDB35", Server("02 00C4 0016", s => s.SetBits(ModbusTable.DiscreteInputs, 0xC4, bits)));
    }

    [Fact]
    public void Read_holding_registers_matches_spec_example_6_3()
    {
        // §6.3: registers 108-110 -> request 03 006B 0003, response 03 06 022B 0000 0064.
        Assert.Equal("03006B0003", Req(b => ModbusPdu.WriteReadRequest(b, ModbusFunctionCode.ReadHoldingRegisters, 0x6B, 3)));
        var values = new ushort[3];
        ModbusPdu.ReadRegistersResponse(TestBytes.Hex("03 06 022B 0000 0064"), ModbusFunctionCode.ReadHoldingRegisters, values);
        Assert.Equal(new ushort[] { 555, 0, 100 }, values);
        Assert.Equal("0306022B00000064", Server("03 006B 0003", s => s.SetRegisters(ModbusTable.HoldingRegisters, 0x6B, values)));
    }

    [Fact]
    public void Zero_fill_store_answers_a_read_starting_on_a_defined_register_with_zeros_for_the_gap()
    {
        // APC 990-9840 note 4 (SPEC-DEVICES §2.1): 0x0402-0x0403 defined, 0x0404-0x0405 not, one 4-register read.
        void Setup(ModbusDataStore s)
        {
            s.ZeroFillReadsStartingOnDefined = true;
            s.SetRegisters(ModbusTable.HoldingRegisters, 0x0402, [0x0108, 0x00C4]);
            s.SetRegisters(ModbusTable.HoldingRegisters, 0x0404, [0xBEEF, 0xBEEF]);
            s.Undefine(ModbusTable.HoldingRegisters, 0x0404, 2);
        }

        Assert.Equal("0308010800C400000000", Server("03 0402 0004", Setup));
        Assert.Equal("8302", Server("03 0404 0001", Setup));
        Assert.Equal("9002", Server("10 0403 0002 04 0001 0002", Setup));
        Assert.Equal("8302", Server("03 0402 0004", s => s.SetRegisters(ModbusTable.HoldingRegisters, 0x0402, [0x0108, 0x00C4])));
    }

    [Fact]
    public void Read_input_registers_matches_spec_example_6_4()
    {
        // §6.4: register 9 -> request 04 0008 0001, response 04 02 000A.
        Assert.Equal("0400080001", Req(b => ModbusPdu.WriteReadRequest(b, ModbusFunctionCode.ReadInputRegisters, 8, 1)));
        Assert.Equal("0402000A", Server("04 0008 0001", s => s.SetRegister(ModbusTable.InputRegisters, 8, 10)));
    }

    [Fact]
    public void Write_single_coil_matches_spec_example_6_5()
    {
        // §6.5: coil 173 ON -> 05 00AC FF00, echoed.
        Assert.Equal("0500ACFF00", Req(b => ModbusPdu.WriteSingleCoilRequest(b, 0xAC, true)));
        Assert.Equal("0500ACFF00", Server("05 00AC FF00", s => s.Define(ModbusTable.Coils, 0xAC, 1)));
        ModbusPdu.CheckEchoResponse(TestBytes.Hex("05 00AC FF00"), TestBytes.Hex("05 00AC FF00"));
    }

    [Fact]
    public void Write_single_register_matches_spec_example_6_6()
    {
        // §6.6: register 2 = 3 -> 06 0001 0003, echoed.
        Assert.Equal("0600010003", Req(b => ModbusPdu.WriteSingleRegisterRequest(b, 1, 3)));
        Assert.Equal("0600010003", Server("06 0001 0003", s => s.Define(ModbusTable.HoldingRegisters, 1, 1)));
    }

    [Fact]
    public void Write_multiple_coils_matches_spec_example_6_11()
    {
        // §6.11: 10 coils from 20 -> 0F 0013 000A 02 CD 01, response 0F 0013 000A.
        var bits = new[] { true, false, true, true, false, false, true, true, true, false };
        Assert.Equal("0F0013000A02CD01", Req(b => ModbusPdu.WriteMultipleCoilsRequest(b, 0x13, bits)));
        var store = new ModbusDataStore();
        store.Define(ModbusTable.Coils, 0x13, 10);
        var response = new ArrayBufferWriter<byte>();
        new ModbusDataStoreHandler(store).TryHandle(1, TestBytes.Hex("0F 0013 000A 02 CD 01"), response);
        Assert.Equal("0F0013000A", TestBytes.ToHex(response.WrittenSpan));
        var written = new bool[10];
        store.GetBits(ModbusTable.Coils, 0x13, written);
        Assert.Equal(bits, written);
    }

    [Fact]
    public void Write_multiple_registers_matches_spec_example_6_12()
    {
        // §6.12: registers 2-3 = 000A 0102 -> 10 0001 0002 04 000A 0102, response 10 0001 0002.
        Assert.Equal("100001000204000A0102", Req(b => ModbusPdu.WriteMultipleRegistersRequest(b, 1, new ushort[] { 0x000A, 0x0102 })));
        Assert.Equal("1000010002", Server("10 0001 0002 04 000A 0102", s => s.Define(ModbusTable.HoldingRegisters, 1, 2)));
        ModbusPdu.CheckWriteMultipleResponse(TestBytes.Hex("10 0001 0002"), ModbusFunctionCode.WriteMultipleRegisters, 1, 2);
    }

    [Fact]
    public void Read_write_multiple_registers_matches_spec_example_6_17_and_writes_before_reading()
    {
        // §6.17: read 6 from 4, write 3 from 15 -> 17 0003 0006 000E 0003 06 00FF 00FF 00FF,
        // response 17 0C 00FE 0ACD 0001 0003 000D 00FF.
        Assert.Equal("1700030006000E00030600FF00FF00FF",
            Req(b => ModbusPdu.WriteReadWriteMultipleRegistersRequest(b, 3, 6, 0x0E, new ushort[] { 0xFF, 0xFF, 0xFF })));
        var reply = Server("17 0003 0006 000E 0003 06 00FF 00FF 00FF",
            s =>
            {
                s.Define(ModbusTable.HoldingRegisters, 0, 0x20);
                s.SetRegisters(ModbusTable.HoldingRegisters, 3, new ushort[] { 0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF });
            });
        Assert.Equal("170C00FE0ACD00010003000D00FF", reply);

        // Overlapping ranges: the read sees the values just written (LMB: write before read).
        var overlapped = Server("17 0003 0002 0003 0001 02 1234", s => s.Define(ModbusTable.HoldingRegisters, 0, 10));
        Assert.Equal("170412340000", overlapped);
    }

    [Fact]
    public void Read_device_identification_matches_spec_example_6_21()
    {
        // §6.21 example: 2B 0E 01 00 -> 2B 0E 01 01 00 00 03, objects 00 "Company identification",
        // 01 "Product code XX", 02 "V2.11". (The spec prints 0D as the length of object 01; 0F is
        // the length of the text, used here.)
        Assert.Equal("2B0E0100", Req(b => ModbusPdu.WriteDeviceIdentificationRequest(b, DeviceIdCategory.Basic, 0)));
        var reply = TestBytes.Hex("2B 0E 01 01 00 00 03")
            .Concat(new byte[] { 0x00, 22 }).Concat("Company identification"u8.ToArray())
            .Concat(new byte[] { 0x01, 15 }).Concat("Product code XX"u8.ToArray())
            .Concat(new byte[] { 0x02, 5 }).Concat("V2.11"u8.ToArray()).ToArray();
        var page = ModbusPdu.ReadDeviceIdentificationResponse(reply);
        Assert.Equal(0x01, page.ConformityLevel);
        Assert.False(page.MoreFollows);
        Assert.Equal(new[] { "Company identification", "Product code XX", "V2.11" }, page.Objects.Select(o => o.Text));

        var store = new ModbusDataStore();
        var handler = new ModbusDataStoreHandler(store) { ConformityLevel = 0x01 };
        handler.SetDeviceIdObject(0, "Company identification");
        handler.SetDeviceIdObject(1, "Product code XX");
        handler.SetDeviceIdObject(2, "V2.11");
        var response = new ArrayBufferWriter<byte>();
        handler.TryHandle(1, TestBytes.Hex("2B 0E 01 00"), response);
        Assert.Equal(TestBytes.ToHex(reply), TestBytes.ToHex(response.WrittenSpan));
    }

    [Fact]
    public void Exception_reply_matches_spec_example_7()
    {
        // §7: read coils at an address that does not exist -> 81 02.
        Assert.Equal("8102", Server("01 04A1 0001", _ => { }));
        var e = Assert.Throws<ModbusException>(() => ModbusPdu.ThrowIfException(TestBytes.Hex("81 02"), ModbusFunctionCode.ReadCoils));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, e.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadCoils, e.FunctionCode);
    }

    [Fact]
    public void Tcp_adu_of_spec_read_holding_example_has_mbap_length_6()
    {
        // SPEC §1.2: MBAP = tid, protocol 0, length = unit + PDU, unit.
        Assert.Equal("0001000000061103006B0003", TestBytes.ToHex(TestBytes.Tcp(1, 0x11, "03 006B 0003")));
    }

    [Fact]
    public void Rtu_adus_for_every_function_code_carry_a_valid_crc_and_the_pdu()
    {
        foreach (var pdu in new[] { "01 0013 0013", "02 00C4 0016", "03 006B 0003", "04 0008 0001", "05 00AC FF00", "06 0001 0003",
                     "0F 0013 000A 02 CD 01", "10 0001 0002 04 000A 0102", "17 0003 0006 000E 0003 06 00FF 00FF 00FF", "2B 0E 01 00" })
        {
            var adu = TestBytes.Rtu(0x11, pdu);
            Assert.True(ModbusChecksum.HasValidCrc16(adu));
            Assert.Equal(0x11, adu[0]);
            Assert.Equal(TestBytes.Hex(pdu), adu[1..^2]);
            var seq = new ReadOnlySequence<byte>(adu);
            Assert.True(ModbusRtuFramer.TryDecodeRequest(ref seq, out var frame, out var skipped));
            Assert.Equal(0, skipped);
            Assert.Equal(TestBytes.Hex(pdu), frame.Pdu.ToArray());
        }
    }

    [Fact]
    public void Wire_values_of_function_and_exception_codes_are_frozen()
    {
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6, 0x0F, 0x10, 0x17, 0x2B }, Enum.GetValues<ModbusFunctionCode>().Select(v => (byte)v));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0A, 0x0B }, Enum.GetValues<ModbusExceptionCode>().Select(v => (byte)v));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4 }, Enum.GetValues<DeviceIdCategory>().Select(v => (byte)v));
    }
}

public sealed class PduLimitTests
{
    private static readonly byte[] Buffer = new byte[300];

    [Theory]
    [InlineData(ModbusFunctionCode.ReadCoils, 2000)]
    [InlineData(ModbusFunctionCode.ReadDiscreteInputs, 2000)]
    [InlineData(ModbusFunctionCode.ReadHoldingRegisters, 125)]
    [InlineData(ModbusFunctionCode.ReadInputRegisters, 125)]
    public void Client_refuses_read_quantities_outside_1_to_max(ModbusFunctionCode fc, int max)
    {
        Assert.Equal(5, ModbusPdu.WriteReadRequest(Buffer, fc, 0, max));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteReadRequest(Buffer, fc, 0, max + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteReadRequest(Buffer, fc, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteReadRequest(Buffer, fc, 0xFFFF, 2));
    }

    [Fact]
    public void Client_refuses_write_quantities_outside_limits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteMultipleCoilsRequest(Buffer, 0, new bool[1969]));
        Assert.Equal(6 + 246, ModbusPdu.WriteMultipleCoilsRequest(Buffer, 0, new bool[1968]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteMultipleRegistersRequest(Buffer, 0, new ushort[124]));
        Assert.Equal(6 + 246, ModbusPdu.WriteMultipleRegistersRequest(Buffer, 0, new ushort[123]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteReadWriteMultipleRegistersRequest(Buffer, 0, 126, 0, new ushort[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteReadWriteMultipleRegistersRequest(Buffer, 0, 1, 0, new ushort[122]));
        Assert.Equal(10 + 242, ModbusPdu.WriteReadWriteMultipleRegistersRequest(Buffer, 0, 125, 0, new ushort[121]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModbusPdu.WriteDeviceIdentificationRequest(Buffer, (DeviceIdCategory)5, 0));
    }

    [Theory]
    // FC, request PDU, expected exception code (LMB order: quantity 03, then map 02, unknown FC 01).
    [InlineData("03 0000 0000", 3)]
    [InlineData("03 0000 007E", 3)]
    [InlineData("04 0000 007E", 3)]
    [InlineData("01 0000 07D1", 3)]
    [InlineData("02 0000 0000", 3)]
    [InlineData("0F 0000 07B1 F7", 3)]
    [InlineData("10 0000 007C F8", 3)]
    [InlineData("10 0000 0002 03 000A 01", 3)] // byte count != 2*qty
    [InlineData("0F 0000 000A 01 FF", 3)] // byte count != ceil(qty/8)
    [InlineData("05 0000 1234", 3)] // coil value neither FF00 nor 0000
    [InlineData("17 0000 007E 0000 0001 02 0000", 3)]
    [InlineData("17 0000 0001 0000 007A F4", 3)]
    [InlineData("2B 0E 05 00", 3)] // read code above 4 (as PYM)
    [InlineData("2B 0E 00 00", 3)]
    [InlineData("03 FFFF 0002", 2)] // passes 0xFFFF
    [InlineData("03 0010 0001", 2)] // outside the map
    [InlineData("01 0010 0001", 2)]
    [InlineData("07", 1)]
    [InlineData("2B 0D 00", 1)] // other MEI type
    [InlineData("41 0000", 1)]
    public void Server_answers_limit_violations_with_the_lmb_exception_code(string requestHex, byte expected)
    {
        var store = new ModbusDataStore();
        store.Define(ModbusTable.HoldingRegisters, 0, 10);
        store.Define(ModbusTable.Coils, 0, 10);
        var response = new ArrayBufferWriter<byte>();
        var request = TestBytes.Hex(requestHex);
        Assert.True(new ModbusDataStoreHandler(store).TryHandle(1, request, response));
        Assert.Equal(new[] { (byte)(request[0] | 0x80), expected }, response.WrittenSpan.ToArray());
    }

    [Fact]
    public void Bad_quantity_is_reported_before_an_unmapped_range()
    {
        // Nothing is mapped, and the quantity is too large: 03 wins over 02 (LMB order).
        var response = new ArrayBufferWriter<byte>();
        new ModbusDataStoreHandler(new ModbusDataStore()).TryHandle(1, TestBytes.Hex("03 9000 0100"), response);
        Assert.Equal("8303", TestBytes.ToHex(response.WrittenSpan));
    }

    [Theory]
    [InlineData("03 04 0001", ModbusProtocolError.WrongByteCount)] // byte count 4 for 1 register
    [InlineData("03 02 00", ModbusProtocolError.WrongByteCount)] // truncated
    [InlineData("04 02 0001", ModbusProtocolError.WrongFunctionCode)]
    [InlineData("83", ModbusProtocolError.MalformedPdu)] // exception reply without code
    [InlineData("", ModbusProtocolError.MalformedPdu)]
    public void Client_rejects_malformed_register_replies(string replyHex, ModbusProtocolError kind)
    {
        var e = Assert.Throws<ModbusProtocolException>(() =>
            ModbusPdu.ReadRegistersResponse(TestBytes.Hex(replyHex), ModbusFunctionCode.ReadHoldingRegisters, new ushort[1]));
        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Client_rejects_a_write_echo_that_differs()
    {
        var e = Assert.Throws<ModbusProtocolException>(() => ModbusPdu.CheckEchoResponse(TestBytes.Hex("06 0001 0004"), TestBytes.Hex("06 0001 0003")));
        Assert.Equal(ModbusProtocolError.WrongEcho, e.Kind);
        e = Assert.Throws<ModbusProtocolException>(() => ModbusPdu.CheckWriteMultipleResponse(TestBytes.Hex("10 0001 0003"), ModbusFunctionCode.WriteMultipleRegisters, 1, 2));
        Assert.Equal(ModbusProtocolError.WrongEcho, e.Kind);
    }

    [Fact]
    public void Device_identification_reply_larger_than_the_pdu_cannot_be_encoded()
    {
        var big = new DeviceIdPage(DeviceIdCategory.Regular, 0x83, false, 0,
            [new DeviceIdObject(0, new byte[130]), new DeviceIdObject(1, new byte[130])]);
        Assert.Throws<ArgumentException>(() => ModbusPdu.WriteDeviceIdentificationResponse(new ArrayBufferWriter<byte>(), big));
    }

    [Fact]
    public void Device_identification_stream_splits_into_pages_that_fit_the_pdu()
    {
        var store = new ModbusDataStore();
        var handler = new ModbusDataStoreHandler(store);
        handler.SetDeviceIdObject(0, new string('V', 100));
        handler.SetDeviceIdObject(1, new string('P', 100));
        handler.SetDeviceIdObject(2, new string('R', 100));
        var response = new ArrayBufferWriter<byte>();
        handler.TryHandle(1, TestBytes.Hex("2B 0E 01 00"), response);
        Assert.True(response.WrittenCount <= ModbusLimits.MaxPduLength);
        var page = ModbusPdu.ReadDeviceIdentificationResponse(response.WrittenSpan);
        Assert.True(page.MoreFollows);
        Assert.Equal(2, page.Objects.Count);
        Assert.Equal(2, page.NextObjectId);
    }

    [Fact]
    public void Register_values_are_big_endian_on_the_wire()
    {
        var buffer = new byte[8];
        ModbusPdu.WriteRegisters(new ushort[] { 0x1234, 0xABCD }, buffer);
        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(buffer));
        Assert.Equal("1234ABCD", TestBytes.ToHex(buffer.AsSpan(0, 4)));
    }
}
