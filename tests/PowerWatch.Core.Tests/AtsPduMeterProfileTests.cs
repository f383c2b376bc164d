using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class AtsPduMeterProfileTests
{
    private static readonly DeviceProfile Ats = Shipped.Load("socomec-atys-pm.json");
    private static readonly DeviceProfile Pdu = Shipped.Load("raritan-xerus-pdu.json");
    private static readonly DeviceProfile Meter = Shipped.Load("eastron-sdm630.json");

    // Socomec "MODBUS tables of Atys pM" (2021-09), Visualization > Status, registers 20481–20489 (0-based, FC03).
    private static ushort[] AtysStatus(ushort mode, ushort position, ushort s2Relay, ushort s1State, ushort s2State, ushort test, ushort cycles) =>
        [mode, position, 0, s2Relay, 0, s1State, s2State, test, cycles];

    [Fact]
    public void Atys_status_block_in_auto_on_position_ii_with_source_1_lost_decodes_to_the_failover_metrics()
    {
        // Table values: 20481 0x0010 Auto Mode; 20482 3 Position 2; 20484 1 Active; 20486 0 Under Threshold;
        // 20487 2 Available; 20488 0x0004 TOL; 20489 cycle counter 7.
        var r = Decode.Holding(Ats, (20481, AtysStatus(0x0010, 3, 1, 0, 2, 0x0004, 7)));

        Assert.True(r.Bool("ats.auto"));
        Assert.Equal("2", r.Text("input.source"));
        Assert.True(r.Bool("ats.start.contact"));
        Assert.False(r.Bool("ats.source1.available"));
        Assert.True(r.Bool("ats.source2.available"));
        Assert.True(r.Bool("ats.test"));
        Assert.Equal(7.0, r.Number("ats.transfer.count"));
    }

    [Theory]
    [InlineData(0x0000, false)] // Manual Mode
    [InlineData(0x0010, true)]  // Auto Mode
    [InlineData(0x0020, false)] // Remote control mode
    [InlineData(0x0040, false)] // Inhibit Mode
    public void Atys_operating_mode_is_auto_only_for_0x0010(int mode, bool auto)
    {
        Assert.Equal(auto, Decode.Holding(Ats, (20481, AtysStatus((ushort)mode, 2, 0, 2, 0, 0, 0))).Bool("ats.auto"));
    }

    [Theory]
    [InlineData(0, false)] // Under Threshold BusBar
    [InlineData(1, false)] // Present (not yet available)
    [InlineData(2, true)]  // Available
    public void Atys_source_state_counts_as_available_only_at_2(int state, bool available)
    {
        var r = Decode.Holding(Ats, (20481, AtysStatus(0x0010, 2, 0, (ushort)state, (ushort)state, 0, 0)));

        Assert.Equal(available, r.Bool("ats.source1.available"));
        Assert.Equal(available, r.Bool("ats.source2.available"));
    }

    [Theory]
    [InlineData(1, "0")] // Position 0: neither source
    [InlineData(2, "1")] // Position I
    [InlineData(3, "2")] // Position II
    public void Atys_switch_position_maps_to_ats_position(int raw, string expected)
    {
        Assert.Equal(expected, Decode.Holding(Ats, (20481, AtysStatus(0x0010, (ushort)raw, 0, 2, 0, 0, 0))).Text("input.source"));
    }

    [Fact]
    public void Atys_unknown_switch_position_is_a_bad_reading_not_a_position()
    {
        var position = Decode.Holding(Ats, (20481, AtysStatus(0x0010, 0, 0, 2, 0, 0, 0))).Single("input.source");

        Assert.Equal(Quality.Bad, position.Quality);
        Assert.True(position.Value.IsNone);
    }

    [Fact]
    public void Atys_profile_reads_the_status_rows_in_one_block_and_has_no_commands()
    {
        Assert.All(Ats.Registers, r => Assert.Equal(RegisterTable.HoldingRegister, r.Table));
        Assert.Equal(20481, Ats.Registers.Min(r => r.Address));
        Assert.Equal(20489, Ats.Registers.Max(r => r.Address));
        Assert.Empty(Ats.Commands);
        Assert.Contains(Ats.Provenance, p => p.StartsWith("Unverified:", StringComparison.Ordinal));
    }

    [Fact]
    public void Xerus_outlet_blocks_start_at_0x8000_with_a_stride_of_0x100()
    {
        var current = Pdu.Registers.Where(r => r.Metric!.EndsWith(".current", StringComparison.Ordinal) && r.RepeatIndex is not null).ToList();

        Assert.Equal(48, current.Count);
        Assert.Equal("outlet.1.current", current[0].Metric);
        Assert.Equal(0x800A, current[0].Address);
        Assert.Equal(0x800A + (47 * 0x100), current[47].Address);
        Assert.Equal(0x8012 + (6 * 0x100), Assert.Single(Pdu.Registers, r => r.Metric == "outlet.7.realpower").Address);
        Assert.All(Pdu.Registers, r => Assert.Equal(RegisterTable.HoldingRegister, r.Table));
    }

    [Fact]
    public void Xerus_big_endian_float32_inlet_and_outlet_values_decode_to_engineering_units()
    {
        // Xerus Modbus conventions: float32 big-endian, lowest register = most significant bits, no scaling.
        // 230.5 V = 0x4366 0x8000; 5.25 A = 0x40A8 0x0000; 1234.0 W = 0x449A 0x4000; 50.0 Hz = 0x4248 0x0000.
        var head = new ushort[] { 1, 1, 0, 3, 0 };    // version, 1 inlet, 0 OCPs, 3 outlets, 0 transfer switches
        var inlet = new ushort[0x1C];                  // 0x3008..0x3023
        inlet[0x00] = 0x4366; inlet[0x01] = 0x8000;    // +0x08 voltage
        inlet[0x02] = 0x40A8; inlet[0x03] = 0x0000;    // +0x0A current
        inlet[0x0A] = 0x449A; inlet[0x0B] = 0x4000;    // +0x12 active power
        inlet[0x13] = 5000;                            // +0x18 active energy u64 Wh (low word)
        inlet[0x1A] = 0x4248; inlet[0x1B] = 0x0000;    // +0x22 frequency
        var outlet1 = new ushort[10];                  // 0x800A..0x8013
        outlet1[0] = 0x3FC0; outlet1[1] = 0x0000;      // +0x0A 1.5 A
        outlet1[8] = 0x43AC; outlet1[9] = 0x8000;      // +0x12 345.0 W
        var outlet3 = new ushort[10];
        outlet3[0] = 0x3F40; outlet3[1] = 0x0000;      // 0.75 A
        var blocks = new List<RegisterBlock>
        {
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0, head),
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0x3008, inlet),
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0x800A, outlet1),
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0x800A + 0x100, new ushort[10]),
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0x800A + 0x200, outlet3),
            RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 0x800A + 0x300, outlet1),
        };

        var r = Decode.Run(Pdu, blocks);

        Assert.Equal(3.0, r.Number("outlet.count"));
        Assert.Equal(230.5, r.Number("input.voltage"));
        Assert.Equal(5.25, r.Number("input.current"));
        Assert.Equal(1234.0, r.Number("input.realpower"));
        Assert.Equal(50.0, r.Number("input.frequency"));
        Assert.Equal(5.0, r.Number("pdu.energy"), 10);
        Assert.Equal(1.5, r.Number("outlet.1.current"));
        Assert.Equal(345.0, r.Number("outlet.1.realpower"));
        Assert.Equal(0.0, r.Number("outlet.2.current"));
        Assert.Equal(0.75, r.Number("outlet.3.current"));
        Assert.DoesNotContain(r, x => x.Metric.StartsWith("outlet.4.", StringComparison.Ordinal));
        Assert.DoesNotContain(r, x => x.Metric.EndsWith(".state", StringComparison.Ordinal));
        Assert.Empty(Pdu.Commands);
    }

    [Fact]
    public void Meter_reads_float32_abcd_input_registers()
    {
        // SPEC §4: IEEE-754 float32 across 2 registers, ABCD; 230.0 V = 43 66 00 00 (SPEC §1.5).
        var regs = new ushort[72];
        regs[0] = 0x4366; regs[1] = 0x0000;   // L1-N 230.0 V
        regs[70] = 0x4248; regs[71] = 0x0000; // 0x0046 frequency 50.0 Hz
        var r = Decode.Run(Meter, [RegisterBlock.FromRegisters(RegisterTable.InputRegister, 0, regs)]);
        Assert.Equal(230.0, r.Number("input.L1-N.voltage"));
        Assert.Equal(50.0, r.Number("input.frequency"));
        Assert.Equal("V", r.Single("input.L1-N.voltage").Unit);
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
