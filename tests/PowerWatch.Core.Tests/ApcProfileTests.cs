namespace PowerWatch.Core.Tests;

public sealed class ApcProfileTests
{
    private static readonly Profiles.DeviceProfile Profile = Shipped.Load("apc-smart-ups-modbus.json");

    [Fact]
    public void State_of_charge_0xC600_divided_by_512_is_99_percent()
    {
        // SPEC §2.2 reg 130 StateOfCharge_Pct u16 ÷512: 0xC600 = 50688 → 99 %.
        var r = Decode.Holding(Profile, (130, [0xC600]));
        Assert.Equal(99.0, r.Number("battery.charge"));
        Assert.Equal("%", r.Single("battery.charge").Unit);
    }

    [Fact]
    public void Battery_voltage_is_signed_and_divided_by_32()
    {
        // SPEC §2.2 reg 131 s16 ÷32: 0x0370 = 880 → 27.5 V.
        var r = Decode.Holding(Profile, (131, [0x0370]));
        Assert.Equal(27.5, r.Number("battery.voltage"));
    }

    [Fact]
    public void Negative_battery_temperature_is_signed_16_divided_by_128()
    {
        // SPEC §2.2 reg 135 s16 ÷128: 0xFB00 = -1280 → -10 °C.
        var r = Decode.Holding(Profile, (135, [0xFB00]));
        Assert.Equal(-10.0, r.Number("battery.temperature"));
        Assert.Equal("°C", r.Single("battery.temperature").Unit);
    }

    [Fact]
    public void Status_0x2002_is_online_with_the_high_efficiency_mode_word_as_nut_reports_it()
    {
        // SPEC §2.3 example: an online unit in ECO mode reads 0x2002 in register 0 and 0x0000 in register 1.
        // UPSStatus_BF is u32 with register 0 the high word, so bits 1 and 13 of the value are in register 1.
        // ECO is no NUT status token: NUT's apc_modbus reports bit 13 as experimental.ups.mode.buzzwords vendor:apc:HE.
        var r = Decode.Holding(Profile, (0, [0x0000, 0x2002]));
        Assert.Equal("OL", r.Text("ups.status"));
        Assert.Equal("vendor:apc:HE", r.Text("experimental.ups.mode.buzzwords"));
    }

    [Fact]
    public void Mode_words_are_empty_when_the_high_efficiency_bit_is_clear()
    {
        var r = Decode.Holding(Profile, (0, [0x0000, 0x0002]));
        Assert.Equal(string.Empty, r.Text("experimental.ups.mode.buzzwords"));
    }

    [Theory]
    [InlineData(0x0004, "passed")]
    [InlineData(0x0008, "failed")]
    [InlineData(0x0042, "in-progress")] // bit 6 (source: protocol) is not a result
    public void Battery_test_status_bits_are_the_nut_test_result(int raw, string expected)
    {
        var r = Decode.Holding(Profile, (23, [(ushort)raw]));
        Assert.Equal(expected, r.Text("ups.test.result"));
    }

    [Fact]
    public void Status_bit_21_in_the_high_word_is_overload()
    {
        // SPEC §2.3: bit 21 Overload; bit 2 on battery.
        var r = Decode.Holding(Profile, (0, [0x0020, 0x0004]));
        Assert.Equal("OB OVER", r.Text("ups.status"));
    }

    [Fact]
    public void Status_tokens_from_several_bit_fields_are_merged_into_one_set()
    {
        // Reg 0–1 on battery; reg 18 bit1 ShutdownImminent → LB; reg 24 bit1 calibration → CAL.
        ushort[] regs = new ushort[27];
        regs[1] = 0x0004;
        regs[18] = 0x0003;
        regs[24] = 0x0002;
        var r = Decode.Holding(Profile, (0, regs));
        Assert.Equal("OB LB CAL", r.Text("ups.status"));
        Assert.True(r.Bool("input.power.failure"));
        Assert.Equal(1, r.Count(x => x.Metric == "ups.status"));
    }

    [Fact]
    public void Input_voltage_0xFFFF_is_not_applicable_and_gives_no_reading()
    {
        var r = Decode.Holding(Profile, (150, [0x0000, 0xFFFF]));
        Assert.DoesNotContain(r, x => x.Metric == "input.voltage");
        var ok = Decode.Holding(Profile, (150, [0x0000, 230 * 64]));
        Assert.Equal(230.0, ok.Number("input.voltage"));
    }

    [Fact]
    public void Negative_efficiency_is_a_reason_not_a_value()
    {
        // SPEC §2.2 reg 154: negative values are reasons (−4 OnBattery).
        var r = Decode.Holding(Profile, (154, [0xFFFC]));
        Assert.DoesNotContain(r, x => x.Metric == "ups.efficiency");
        var ok = Decode.Holding(Profile, (154, [(ushort)(95 * 128)]));
        Assert.Equal(95.0, ok.Number("ups.efficiency"));
    }

    [Fact]
    public void Runtime_is_uint32_high_word_first_in_seconds()
    {
        var r = Decode.Holding(Profile, (128, [0x0001, 0x0002]));
        Assert.Equal(65538.0, r.Number("battery.runtime"));
    }

    [Fact]
    public void Real_power_is_derived_from_load_percent_and_the_nameplate_rating()
    {
        var decoder = new Decoding.ProfileDecoder(Profile, "ups-a");
        var nameplate = new Decoding.RegisterBlockSet([Decoding.RegisterBlock.FromRegisters(Profiles.RegisterTable.HoldingRegister, 588, new ushort[] { 1500, 1000 })]);
        var slow = decoder.Decode(nameplate, Decode.At, 1);
        Assert.Equal(1000.0, slow.Number("ups.realpower.nominal"));

        // Next fast poll: ups.load 50 % (÷256) → 500 W from the remembered 1000 W rating.
        var fast = decoder.Decode(new Decoding.RegisterBlockSet([Decoding.RegisterBlock.FromRegisters(Profiles.RegisterTable.HoldingRegister, 136, new ushort[] { 50 * 256, 0, 25 * 256 })]), Decode.At, 2);
        Assert.Equal(500.0, fast.Number("ups.realpower"));
        Assert.Equal(375.0, fast.Number("ups.power"));
        Assert.All(fast, x => Assert.Equal(2, x.Sequence));
    }

    [Fact]
    public void Nameplate_strings_and_dates_decode()
    {
        var regs = new ushort[88];
        Decode.Ascii("UPS 09.3", 8).CopyTo(regs, 0);            // 516 firmware
        Decode.Ascii("Smart-UPS 1500", 16).CopyTo(regs, 16);    // 532 model
        Decode.Ascii("AS1234567890", 8).CopyTo(regs, 48);       // 564 serial
        regs[591 - 516] = 9497;                                  // days since 2000-01-01 → 2026-01-01
        var r = Decode.Holding(Profile, (516, regs));
        Assert.Equal("UPS 09.3", r.Text("ups.firmware"));
        Assert.Equal("Smart-UPS 1500", r.Text("ups.model"));
        Assert.Equal("AS1234567890", r.Text("ups.serial"));
        Assert.Equal("2026-01-01", r.Text("ups.mfr.date"));
    }

    [Fact]
    public void Change_cause_enum_maps_to_its_name()
    {
        var r = Decode.Holding(Profile, (2, [24]));
        Assert.Equal("ats-transfer", r.Text("input.transfer.reason"));
    }

    [Fact]
    public void Failed_read_gives_bad_readings_for_every_metric_inside_it()
    {
        var r = Decode.Run(Profile, [Decoding.RegisterBlock.Failed(Profiles.RegisterTable.HoldingRegister, 128, 27)]);
        var charge = r.Single("battery.charge");
        Assert.Equal(Quality.Bad, charge.Quality);
        Assert.True(charge.Value.IsNone);
        Assert.Equal(Quality.Bad, r.Single("input.voltage").Quality);
    }

    [Fact]
    public void Registers_not_read_produce_no_readings()
    {
        var r = Decode.Holding(Profile, (130, [0xC600]));
        Assert.Single(r);
    }

    [Fact]
    public void Shutdown_return_command_is_0x00000188_on_the_outlet_command_register()
    {
        // SPEC §2.4: "shutdown.return on MOG only = 0x00000188"; OutletCommand_BF regs 1538–1539, u32 MSW first.
        var cmd = Profile.Commands["shutdown.return"];
        var w = Assert.Single(cmd.Writes);
        Assert.Equal(1538, w.Address);
        Assert.Equal(new ushort[] { 0x0000, 0x0188 }, w.Values.ToArray());
        Assert.Equal(16, w.FunctionCode);
    }
}
