using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class AtsPduMeterProfileTests
{
    private static readonly DeviceProfile Ats = Shipped.Load("powerwatch-ats-v1.json");
    private static readonly DeviceProfile Pdu = Shipped.Load("powerwatch-pdu-v1.json");
    private static readonly DeviceProfile Meter = Shipped.Load("eastron-sdm630.json");

    [Fact]
    public void Ats_status_bits_become_booleans_and_bit_9_is_inverted_into_auto()
    {
        // SPEC §8 reg 0: bit 0 source 1 available, 3 connected to source 2, 5 engine-start contact, 9 not in automatic.
        var r = Decode.Holding(Ats, (0, [0b10_0010_1001, 2, 2300, 5000, 2310, 5001, 125, 7, 0x6920, 0x0000, 85, 0, 300, 60]));
        Assert.True(r.Bool("ats.source1.available"));
        Assert.False(r.Bool("ats.source2.available"));
        Assert.True(r.Bool("ats.source2.connected"));
        Assert.True(r.Bool("ats.start.contact"));
        Assert.False(r.Bool("ats.transfer.in.progress"));
        Assert.False(r.Bool("ats.auto"));
        Assert.Equal("source2", r.Text("ats.position"));
        Assert.Equal(230.0, r.Number("ats.source1.voltage"), 10);
        Assert.Equal(50.01, r.Number("ats.source2.frequency"), 10);
        Assert.Equal(12.5, r.Number("ats.load.current"), 10);
        Assert.Equal(7.0, r.Number("ats.transfer.count"));
        Assert.Equal(0x69200000, r.Number("ats.transfer.last.time"));
        Assert.Equal(85.0, r.Number("ats.transfer.last.duration"));
        Assert.Equal(300.0, r.Number("ats.delay.retransfer"));
        Assert.DoesNotContain(r, x => x.Metric == "ups.status");
    }

    [Theory]
    [InlineData(0, "neutral")]
    [InlineData(1, "source1")]
    [InlineData(2, "source2")]
    public void Ats_position_enum(int raw, string expected)
    {
        Assert.Equal(expected, Decode.Holding(Ats, (1, [(ushort)raw])).Text("ats.position"));
    }

    [Fact]
    public void Ats_commands_write_key_and_complement_to_100()
    {
        Assert.Equal(new ushort[] { 1, 65534 }, Ats.Commands["transfer.test"].Writes[0].Values.ToArray());
        Assert.Equal(new ushort[] { 2, 65533 }, Ats.Commands["transfer.retransfer"].Writes[0].Values.ToArray());
        Assert.Equal(new ushort[] { 3, 65532 }, Ats.Commands["transfer.bypass-delay"].Writes[0].Values.ToArray());
        Assert.All(Ats.Commands.Values, c => Assert.Equal(100, c.Writes[0].Address));
    }

    [Fact]
    public void Pdu_outlet_blocks_are_expanded_with_stride()
    {
        var current = Pdu.Registers.Where(r => r.Metric!.EndsWith(".current", StringComparison.Ordinal) && r.RepeatIndex is not null).ToList();
        Assert.Equal(48, current.Count);
        Assert.Equal("outlet.1.current", current[0].Metric);
        Assert.Equal(100, current[0].Address);
        Assert.Equal("outlet.48.current", current[47].Metric);
        Assert.Equal(100 + (2 * 47), current[47].Address);
        var power7 = Assert.Single(Pdu.Registers, r => r.Metric == "outlet.7.power");
        Assert.Equal(101 + (2 * 6), power7.Address);
        var state3 = Assert.Single(Pdu.Registers, r => r.Metric == "outlet.3.state");
        Assert.Equal(RegisterTable.Coil, state3.Table);
        Assert.Equal(2, state3.Address);
    }

    [Fact]
    public void Pdu_emits_only_the_outlets_the_device_reports()
    {
        var input = new ushort[8];
        input[0] = 3;             // 3 outlets
        input[2] = 1234;          // total power 1234 W
        input[3] = 2300;          // 230.0 V
        input[4] = 5000;          // 50.00 Hz
        input[6] = 5000;          // 5.000 kWh
        input[7] = 536;           // 5.36 A
        var outlets = new ushort[96];
        outlets[0] = 150; outlets[1] = 345;  // outlet 1: 1.50 A, 345 W
        outlets[4] = 75; outlets[5] = 172;   // outlet 3
        var r = Decode.Run(Pdu,
        [
            RegisterBlock.FromRegisters(RegisterTable.InputRegister, 0, input),
            RegisterBlock.FromRegisters(RegisterTable.InputRegister, 100, outlets),
            RegisterBlock.FromBits(RegisterTable.Coil, 0, new bool[] { true, false, true, true, true }),
        ]);
        Assert.Equal(1234.0, r.Number("pdu.power"));
        Assert.Equal(5.0, r.Number("pdu.energy"), 10);
        Assert.Equal(5.36, r.Number("pdu.input.current"), 10);
        Assert.Equal(1.5, r.Number("outlet.1.current"), 10);
        Assert.Equal(345.0, r.Number("outlet.1.power"));
        Assert.Equal(0.75, r.Number("outlet.3.current"), 10);
        Assert.Equal("on", r.Text("outlet.1.state"));
        Assert.Equal("off", r.Text("outlet.2.state"));
        Assert.DoesNotContain(r, x => x.Metric.StartsWith("outlet.4.", StringComparison.Ordinal));
        Assert.DoesNotContain(r, x => x.Metric.StartsWith("outlet.5.", StringComparison.Ordinal));
    }

    [Fact]
    public void Pdu_outlet_commands_switch_coil_n_minus_1()
    {
        var off = Assert.Single(Pdu.Commands["outlet.3.off"].Writes);
        Assert.Equal(RegisterTable.Coil, off.Table);
        Assert.Equal(2, off.Address);
        Assert.Equal(new ushort[] { 0 }, off.Values.ToArray());
        Assert.Equal(5, off.FunctionCode);
        Assert.Equal(new ushort[] { 1 }, Pdu.Commands["outlet.48.on"].Writes[0].Values.ToArray());
        Assert.Equal(47, Pdu.Commands["outlet.48.on"].Writes[0].Address);
    }

    [Fact]
    public void Meter_reads_float32_abcd_input_registers()
    {
        // SPEC §4: IEEE-754 float32 across 2 registers, ABCD; 230.0 V = 43 66 00 00 (SPEC §1.5).
        var regs = new ushort[72];
        regs[0] = 0x4366; regs[1] = 0x0000;   // L1-N 230.0 V
        regs[70] = 0x4248; regs[71] = 0x0000; // 0x0046 frequency 50.0 Hz
        var r = Decode.Run(Meter, [RegisterBlock.FromRegisters(RegisterTable.InputRegister, 0, regs)]);
        Assert.Equal(230.0, r.Number("meter.voltage.l1n"));
        Assert.Equal(50.0, r.Number("meter.frequency"));
        Assert.Equal("V", r.Single("meter.voltage.l1n").Unit);
        Assert.Equal(80, Meter.Workarounds.MaxRegistersPerRequest);
    }

    [Fact]
    public void Meter_registers_are_all_float32_in_the_input_table()
    {
        Assert.All(Meter.Registers, r =>
        {
            Assert.Equal(RegisterType.Float32, r.Type);
            Assert.Equal(RegisterTable.InputRegister, r.Table);
            Assert.Equal(WordOrder.Abcd, r.WordOrder);
        });
        Assert.Equal(0x0156, Assert.Single(Meter.Registers, r => r.Metric == "meter.energy").Address);
    }
}
