using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

/// <summary>Wire-visible status values are frozen here so a refactor cannot change them silently.</summary>
public sealed class StatusMappingTests
{
    [Fact]
    public void Nut_tokens_use_the_standard_names_in_a_stable_order()
    {
        var all = (UpsStatus)0x7FFF;

        Assert.Equal(["OL", "OB", "LB", "RB", "BYPASS", "CHRG", "DISCHRG", "OFF", "FSD", "CAL", "OVER", "TRIM", "BOOST", "ALARM"],
            UpsStatusMapping.ToNutTokens(all));
        Assert.Equal(["OB", "LB", "DISCHRG"], UpsStatusMapping.ToNutTokens(UpsStatus.OnBattery | UpsStatus.Discharging | UpsStatus.LowBattery));
    }

    [Fact]
    public void Apc_status_bits_follow_the_upsstatus_bf_table()
    {
        // SPEC-DEVICES §2.3: bit 1 online (an online unit reads 0x0002 in the low word), 2 on battery,
        // 3 bypass, 4 output off, 5 fault, 6 input bad, 7 self-test, 9 pending off, 21 overload.
        Assert.Equal(0x0000_0002u, UpsStatusMapping.ToApcStatusBits(UpsStatus.Online | UpsStatus.Charging));
        Assert.Equal(0x0000_0044u, UpsStatusMapping.ToApcStatusBits(UpsStatus.OnBattery | UpsStatus.InputBad | UpsStatus.Discharging));
        Assert.Equal(0x0000_000Au, UpsStatusMapping.ToApcStatusBits(UpsStatus.Online | UpsStatus.Bypass));
        Assert.Equal(0x0000_0010u, UpsStatusMapping.ToApcStatusBits(UpsStatus.Off));
        Assert.Equal(0x0000_0020u, UpsStatusMapping.ToApcStatusBits(UpsStatus.Fault));
        Assert.Equal(0x0000_0080u, UpsStatusMapping.ToApcStatusBits(UpsStatus.TestInProgress));
        Assert.Equal(0x0000_0200u, UpsStatusMapping.ToApcStatusBits(UpsStatus.ForcedShutdown));
        Assert.Equal(0x0020_0000u, UpsStatusMapping.ToApcStatusBits(UpsStatus.Overload));
    }

    [Fact]
    public void Apc_simple_signaling_maps_power_failure_and_shutdown_imminent()
    {
        // SPEC-DEVICES §2.2 register 18: bit 0 power failure, bit 1 shutdown imminent (NUT: LB).
        Assert.Equal(0, UpsStatusMapping.ToApcSimpleSignalingBits(UpsStatus.Online));
        Assert.Equal(1, UpsStatusMapping.ToApcSimpleSignalingBits(UpsStatus.OnBattery));
        Assert.Equal(3, UpsStatusMapping.ToApcSimpleSignalingBits(UpsStatus.OnBattery | UpsStatus.LowBattery));
    }

    [Fact]
    public void Apc_smart_q_byte_matches_the_typical_values()
    {
        // SPEC-DEVICES §6: "08" on line, "10" on battery, "50" on battery with low battery.
        Assert.Equal(0x08, UpsStatusMapping.ToApcSmartStatusByte(UpsStatus.Online | UpsStatus.Charging));
        Assert.Equal(0x10, UpsStatusMapping.ToApcSmartStatusByte(UpsStatus.OnBattery | UpsStatus.Discharging));
        Assert.Equal(0x50, UpsStatusMapping.ToApcSmartStatusByte(UpsStatus.OnBattery | UpsStatus.LowBattery));
        Assert.Equal(0x88, UpsStatusMapping.ToApcSmartStatusByte(UpsStatus.Online | UpsStatus.ReplaceBattery));
    }

    [Fact]
    public void Megatec_q1_bits_map_utility_fail_battery_low_and_shutdown()
    {
        // SPEC-DEVICES §5: b7 utility fail, b6 battery low, b5 bypass/boost/buck, b4 UPS failed, b3 type (0 = on-line),
        // b2 test in progress, b1 shutdown active, b0 beeper on.
        Assert.Equal(0b0000_0001, UpsStatusMapping.ToQ1StatusBits(UpsStatus.Online, beeperOn: true));
        Assert.Equal(0b1100_0000, UpsStatusMapping.ToQ1StatusBits(UpsStatus.OnBattery | UpsStatus.LowBattery, beeperOn: false));
        Assert.Equal(0b0010_0000, UpsStatusMapping.ToQ1StatusBits(UpsStatus.Online | UpsStatus.Boost, beeperOn: false));
        Assert.Equal(0b0001_0110, UpsStatusMapping.ToQ1StatusBits(UpsStatus.Fault | UpsStatus.TestInProgress | UpsStatus.ForcedShutdown, beeperOn: false));
    }

    [Fact]
    public void Generator_state_and_mode_strings_are_the_catalogue_values()
    {
        Assert.Equal(["stopped", "starting", "cranking", "warming", "available", "on-load", "cooling", "failed"],
            Enum.GetValues<GeneratorState>().Select(s => s.ToText()));
        Assert.Equal("stop", GeneratorMode.Stop.ToText());
        Assert.Equal("auto", GeneratorMode.Auto.ToText());
        Assert.Equal("manual", GeneratorMode.Manual.ToText());
    }

    [Fact]
    public void Mode_and_engine_state_numbers_are_the_gencomm_register_values()
    {
        // SPEC-DEVICES §3.2 register 772 and §3.4 register 1408.
        Assert.Equal(0, (int)GeneratorMode.Stop);
        Assert.Equal(1, (int)GeneratorMode.Auto);
        Assert.Equal(2, (int)GeneratorMode.Manual);
        Assert.Equal(0, (int)EngineOperatingState.Stopped);
        Assert.Equal(1, (int)EngineOperatingState.PreStart);
        Assert.Equal(2, (int)EngineOperatingState.WarmingUp);
        Assert.Equal(3, (int)EngineOperatingState.Running);
        Assert.Equal(4, (int)EngineOperatingState.CoolingDown);
    }

    [Fact]
    public void Page_154_packs_four_alarms_per_register_first_in_the_top_nibble()
    {
        // SPEC-DEVICES §3.5: register 4 of page 154 = charge alternator failure, fail to start, fail to stop,
        // gen fail to close; first alarm in bits 15-12; 1 = not active, 2 = warning, 3 = shutdown; register 6
        // holds low fuel third (bits 7-4); positions past the list read 15 (unimplemented).
        var alarms = new Dictionary<GeneratorAlarm, AlarmCondition>
        {
            [GeneratorAlarm.FailToStart] = AlarmCondition.Shutdown,
            [GeneratorAlarm.LowFuelLevel] = AlarmCondition.Warning,
        };
        var registers = new ushort[9];

        GeneratorText.PackPage154(alarms, registers);

        Assert.Equal(0x1111, registers[0]);
        Assert.Equal(0x1311, registers[3]);
        Assert.Equal(0x1121, registers[5]);
        Assert.Equal(0xFFFF, registers[8]);
    }

    [Fact]
    public void Ats_status_bits_follow_the_section_8_layout()
    {
        Assert.Equal(0x0001, (int)AtsStatusBits.Source1Available);
        Assert.Equal(0x0008, (int)AtsStatusBits.ConnectedToSource2);
        Assert.Equal(0x0020, (int)AtsStatusBits.EngineStartContactClosed);
        Assert.Equal(0x0040, (int)AtsStatusBits.RetransferTimerRunning);
        Assert.Equal(0x0100, (int)AtsStatusBits.Fault);
        Assert.Equal(0x0200, (int)AtsStatusBits.NotInAutomatic);
    }
}
