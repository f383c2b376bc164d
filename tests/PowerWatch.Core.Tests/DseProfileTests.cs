namespace PowerWatch.Core.Tests;

public sealed class DseProfileTests
{
    private static readonly Profiles.DeviceProfile Profile = Shipped.Load("dse-gencomm.json");

    private static ushort[] Page4()
    {
        // A plausible running set: 400 kPa, 85 °C, 90 °C, 75 %, 13.8 V, 27.6 V, 1500 rpm, 50.0 Hz.
        var regs = new ushort[66];
        regs[0] = 400; regs[1] = 85; regs[2] = 90; regs[3] = 75; regs[4] = 138; regs[5] = 276; regs[6] = 1500; regs[7] = 500;
        return regs;
    }

    [Theory]
    [InlineData(0x1000, 4096)] // 13/16 shutdown alarm = bit 12
    [InlineData(0x0800, 2048)] // 12/16 electrical trip = bit 11
    [InlineData(0x0400, 1024)] // 11/16 warning = bit 10
    [InlineData(0x0040, 64)] // 7/16 controlled shutdown = bit 6
    [InlineData(0x1400, 5120)] // shutdown + warning
    public void Status_flags_774_decode_raw_with_dse_flag_n_of_16_as_bit_n_minus_1(int register, double expected)
    {
        // SPEC §3.2 (corrected): DSE numbers bits n/16 from 1, 16/16 = MSB; the profile passes 774 on raw, unscaled.
        var r = Decode.Holding(Profile, (774, new[] { (ushort)register }));
        Assert.Equal(expected, r.Number("generator.controller.status"));
    }

    [Fact]
    public void Page4_basic_instrumentation_decodes_with_scales()
    {
        var r = Decode.Holding(Profile, (1024, Page4()));
        Assert.Equal(400.0, r.Number("engine.oil.pressure"));
        Assert.Equal(85.0, r.Number("engine.coolant.temperature"));
        Assert.Equal(75.0, r.Number("fuel.level"));
        Assert.Equal(27.6, r.Number("engine.battery.voltage"), 10);
        Assert.Equal(1500.0, r.Number("engine.speed"));
        Assert.Equal(50.0, r.Number("generator.frequency"), 10);
    }

    [Fact]
    public void Unsigned_sentinel_0xFFFF_means_unimplemented_and_gives_no_reading()
    {
        // SPEC §3.1: u16 0xFFFF = unimplemented.
        var regs = Page4();
        regs[0] = 0xFFFF;
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.DoesNotContain(r, x => x.Metric == "engine.oil.pressure");
        Assert.Contains(r, x => x.Metric == "engine.speed");
    }

    [Fact]
    public void Signed_sentinel_0x7FFF_means_unimplemented_and_gives_no_reading()
    {
        // SPEC §3.1: s16 0x7FFF = unimplemented.
        var regs = Page4();
        regs[1] = 0x7FFF;
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.DoesNotContain(r, x => x.Metric == "engine.coolant.temperature");
    }

    [Fact]
    public void Over_range_sentinel_gives_a_bad_reading_without_value()
    {
        // SPEC §3.1: u16 0xFFFE = over measurable range; s16 0x7FFC = transducer fault.
        var regs = Page4();
        regs[0] = 0xFFFE;
        regs[2] = 0x7FFC;
        var r = Decode.Holding(Profile, (1024, regs));
        var oil = r.Single("engine.oil.pressure");
        Assert.Equal(Quality.Bad, oil.Quality);
        Assert.True(oil.Value.IsNone);
        Assert.Equal(Quality.Bad, r.Single("engine.oil.temperature").Quality);
    }

    [Fact]
    public void Negative_coolant_temperature_is_signed()
    {
        var regs = Page4();
        regs[1] = 0xFFEC; // -20 °C
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.Equal(-20.0, r.Number("engine.coolant.temperature"));
    }

    [Fact]
    public void Generator_voltage_is_u32_high_word_first_in_tenths_of_a_volt()
    {
        // SPEC §3.3: 1032 Gen L1-N u32 0.1 V. 2301 → 230.1 V; 0x0001_0000 → 6553.6 V checks the word order.
        var regs = Page4();
        regs[8] = 0x0000; regs[9] = 2301;
        regs[10] = 0x0001; regs[11] = 0x0000;
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.Equal(230.1, r.Number("generator.voltage.l1n"), 10);
        Assert.Equal(6553.6, r.Number("generator.voltage.l2n"), 10);
    }

    [Fact]
    public void Unsigned_32_bit_unimplemented_sentinel_gives_no_reading()
    {
        var regs = Page4();
        regs[8] = 0xFFFF; regs[9] = 0xFFFF;
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.DoesNotContain(r, x => x.Metric == "generator.voltage.l1n");
    }

    [Fact]
    public void Signed_32_bit_watts_are_converted_to_kilowatts()
    {
        var regs = Page4();
        regs[28] = 0xFFFF; regs[29] = 0xFC18; // L1 -1000 W (reverse power)
        regs[30] = 0x0001; regs[31] = 0x86A0; // L2 100000 W
        var r = Decode.Holding(Profile, (1024, regs));
        Assert.Equal(-1.0, r.Number("generator.power.l1"), 10);
        Assert.Equal(100.0, r.Number("generator.power.l2"), 10);
    }

    [Theory]
    [InlineData(0, "stopped")]
    [InlineData(1, "pre-start")]
    [InlineData(2, "warming-up")]
    [InlineData(3, "running")]
    [InlineData(4, "cooling-down")]
    [InlineData(5, "stopped")]
    [InlineData(6, "post-run")]
    public void Engine_state_1408_maps_to_its_name(int raw, string expected)
    {
        // SPEC §3.4 register 1408.
        var r = Decode.Holding(Profile, (1408, [(ushort)raw]));
        Assert.Equal(expected, r.Text("engine.state"));
    }

    [Fact]
    public void Engine_state_15_is_not_available_and_gives_no_reading()
    {
        var r = Decode.Holding(Profile, (1408, [15]));
        Assert.DoesNotContain(r, x => x.Metric == "engine.state");
        Assert.DoesNotContain(r, x => x.Metric == "generator.state");
    }

    [Fact]
    public void Control_mode_772_maps_to_generator_mode()
    {
        var r = Decode.Holding(Profile, (768, [1, 32841, 0, 12345, 1]));
        Assert.Equal("auto", r.Text("generator.mode"));
        Assert.Equal("7320 MkII", r.Text("device.model"));
        Assert.Equal("Deep Sea Electronics", r.Text("device.mfr"));
        Assert.Equal("12345", r.Text("device.serial"));
    }

    [Fact]
    public void Unknown_model_number_is_kept_as_its_number()
    {
        // Mk I units report their model number directly (SPEC §3.2).
        var r = Decode.Holding(Profile, (769, [7320]));
        Assert.Equal("7320", r.Text("device.model"));
    }

    [Fact]
    public void Page154_alarms_unpack_four_per_register_first_alarm_in_bits_15_to_12()
    {
        // SPEC §3.5: register 1 = E-stop, low oil pressure, high coolant temp, low coolant temp; MS nibble first.
        // 0x1231: E-stop 1 (inactive), low oil pressure 2 (warning), high coolant 3 (shutdown), low coolant 1.
        // Register 2 0xFFF4: under speed/over speed/gen under frequency unimplemented, gen over frequency 4 (trip).
        var regs = new ushort[8];
        Array.Fill(regs, (ushort)0x1111);
        regs[0] = 0x1231;
        regs[1] = 0xFFF4;
        var r = Decode.Holding(Profile, (39425, regs));
        Assert.Equal("inactive", r.Text("generator.alarm.emergency-stop"));
        Assert.Equal("warning", r.Text("generator.alarm.low-oil-pressure"));
        Assert.Equal("shutdown", r.Text("generator.alarm.high-coolant-temperature"));
        Assert.Equal("inactive", r.Text("generator.alarm.low-coolant-temperature"));
        Assert.DoesNotContain(r, x => x.Metric == "generator.alarm.under-speed");
        Assert.Equal("electrical-trip", r.Text("generator.alarm.generator-over-frequency"));
        Assert.Equal(3.0, r.Number("generator.alarms.active"));
        Assert.Equal(1.0, r.Number("generator.alarms.warning"));
        Assert.Equal(2.0, r.Number("generator.alarms.shutdown"));
    }

    [Theory]
    [InlineData(3, 0, 0, "available")]
    [InlineData(3, 450, 0, "on-load")]
    [InlineData(1, 0, 0, "starting")]
    [InlineData(2, 0, 0, "warming")]
    [InlineData(4, 0, 0, "cooling")]
    [InlineData(0, 0, 0, "stopped")]
    [InlineData(3, 450, 0x3111, "failed")]
    public void Generator_state_is_derived_from_engine_state_load_and_shutdown_alarms(int engine, int loadTenths, int alarmReg1, string expected)
    {
        var blocks = new List<Decoding.RegisterBlock>
        {
            Decoding.RegisterBlock.FromRegisters(Profiles.RegisterTable.HoldingRegister, 1408, new ushort[] { (ushort)engine }),
            Decoding.RegisterBlock.FromRegisters(Profiles.RegisterTable.HoldingRegister, 1558, new ushort[] { (ushort)loadTenths }),
        };
        var alarms = new ushort[8];
        Array.Fill(alarms, (ushort)0x1111);
        alarms[0] = (ushort)(alarmReg1 == 0 ? 0x1111 : alarmReg1);
        blocks.Add(Decoding.RegisterBlock.FromRegisters(Profiles.RegisterTable.HoldingRegister, 39425, alarms));
        var r = Decode.Run(Profile, blocks);
        Assert.Equal(expected, r.Text("generator.state"));
    }

    [Fact]
    public void Page6_and_page7_counters_decode()
    {
        var r = Decode.Holding(
            Profile,
            (1536, [0x0000, 0xC350]),                 // 50000 W → 50 kW
            (1558, [755]),                            // 75.5 %
            (1798, [0x0000, 0x0E10, 0x0000, 12345]),  // 3600 s run time, 1234.5 kWh
            (1808, [0x0000, 42]));
        Assert.Equal(50.0, r.Number("generator.power"), 10);
        Assert.Equal(75.5, r.Number("generator.power.percent"), 10);
        Assert.Equal(3600.0, r.Number("generator.run.time"));
        Assert.Equal(1234.5, r.Number("generator.energy"), 10);
        Assert.Equal(42.0, r.Number("generator.starts"));
    }

    [Fact]
    public void Telemetry_start_writes_key_and_complement_to_4104_with_fc16()
    {
        // SPEC §3.6: write key to 4104 and 65535 − key to 4105 in one FC16; 35732 → [35732, 29803].
        var w = Assert.Single(Profile.Commands["telemetry.start"].Writes);
        Assert.Equal(4104, w.Address);
        Assert.Equal(new ushort[] { 35732, 29803 }, w.Values.ToArray());
        Assert.Equal(16, w.FunctionCode);

        // GENMON's Stop example: 8B 74 74 8B.
        Assert.Equal(new ushort[] { 0x8B74, 0x748B }, Profile.Commands["mode.stop"].Writes[0].Values.ToArray());
    }

    [Fact]
    public void Every_system_control_command_writes_a_complement_pair()
    {
        foreach (var cmd in Profile.Commands.Values)
        {
            var w = Assert.Single(cmd.Writes);
            Assert.Equal(2, w.Values.Length);
            Assert.Equal(65535, w.Values[0] + w.Values[1]);
            Assert.InRange(w.Values[0], 35700, 35737);
        }
    }
}
