using PowerWatch.Core;
using PowerWatch.Modbus;
using PowerWatch.Simulators.Faces;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>
/// The proof that faces and shipped profiles match: our Modbus client polls each face over loopback TCP exactly as
/// the agent plans it (agent/profiles/*.json, ModbusRequestPlanner), Core's ProfileDecoder decodes, and the values
/// equal the model's state within the map's resolution.
/// </summary>
public sealed class ProfileMatchTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Apc_face_read_through_the_shipped_profile_equals_the_ups_model()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        site.Ups.SetRuntimeBias(1.4);
        site.RunFor(TimeSpan.FromSeconds(5), Step);
        var profile = await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus");
        await using var client = FaceTestKit.Connect(host.Device("ups"));

        var r = await FaceTestKit.PollAsync(client, profile, 1);

        var u = site.Ups;
        Assert.Equal(u.ChargePercent, r.Number("battery.charge"), 1.0 / 512);
        Assert.Equal(Math.Floor(u.ReportedRuntimeSeconds), r.Number("battery.runtime"));
        Assert.Equal(Math.Floor(u.TrueRuntimeSeconds * 1.4), r.Number("battery.runtime"), 1.0);
        Assert.Equal(u.BatteryVoltage, r.Number("battery.voltage"), 1.0 / 32);
        Assert.Equal(u.Temperature, r.Number("battery.temperature"), 1.0 / 128);
        Assert.Equal(u.LoadPercent, r.Number("ups.load"), 1.0 / 256);
        Assert.Equal(u.OutputVoltage, r.Number("output.voltage"), 1.0 / 64);
        Assert.Equal(u.OutputCurrent, r.Number("output.current"), 1.0 / 32);
        Assert.Equal(u.OutputFrequency, r.Number("output.frequency"), 1.0 / 128);
        Assert.Equal(u.InputVoltage, r.Number("input.voltage"), 1.0 / 64);
        Assert.Equal(Math.Round(u.OutputEnergyWh), r.Number("experimental.output.energy"), 1e-9);
        Assert.Equal(u.Options.RatedPowerW, r.Number("ups.realpower.nominal"));
        Assert.Equal(u.Options.RatedApparentPowerVa, r.Number("ups.power.nominal"));
        Assert.Equal(u.LoadPercent * u.Options.RatedPowerW / 100, r.Number("ups.realpower"), u.Options.RatedPowerW / 256 / 100);
        Assert.Equal("ups", r.Text("ups.id"));
        Assert.StartsWith("Smart-UPS", r.Text("ups.model"), StringComparison.Ordinal);
        Assert.Contains("OL", r.StatusTokens());
        Assert.DoesNotContain("OB", r.StatusTokens());
        Assert.True(u.LoadPercent > 10, "the demo site loads the UPS");
    }

    [Fact]
    public async Task Apc_face_reports_OB_and_a_falling_charge_after_utility_fail()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        site.RunFor(TimeSpan.FromSeconds(1), Step);
        var profile = await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus");
        await using var client = FaceTestKit.Connect(host.Device("ups"));
        var before = await FaceTestKit.PollAsync(client, profile, 1);

        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(2), Step);
        var during = await FaceTestKit.PollAsync(client, profile, 1);

        Assert.Contains("OL", before.StatusTokens());
        Assert.Contains("OB", during.StatusTokens());
        Assert.DoesNotContain("OL", during.StatusTokens());
        Assert.True(during["input.power.failure"].Value.Boolean);
        Assert.False(before["input.power.failure"].Value.Boolean);
        Assert.Equal(site.Ups.ChargePercent, during.Number("battery.charge"), 1.0 / 512);
        Assert.True(during.Number("battery.charge") < before.Number("battery.charge"));
    }

    [Fact]
    public async Task Apc_remote_off_by_fc06_turns_the_output_off_and_load_on_command_of_the_profile_turns_it_on()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        var profile = await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus");
        await using var client = FaceTestKit.Connect(host.Device("ups"));

        // SimpleSignalingCommand_BF bit 1 = remote off (SPEC §2.4), single register with FC06.
        await client.WriteSingleRegisterAsync(1, 1540, 2);
        site.RunFor(TimeSpan.FromSeconds(1), Step);
        var off = await FaceTestKit.PollAsync(client, profile, 1);

        var loadOn = profile.Commands["load.on"].Writes[0];
        await client.WriteMultipleRegistersAsync(1, (ushort)loadOn.Address, loadOn.Values.Select(v => (ushort)v).ToArray());
        site.RunFor(TimeSpan.FromSeconds(1), Step);
        var on = await FaceTestKit.PollAsync(client, profile, 1);

        Assert.Contains("OFF", off.StatusTokens());
        Assert.Equal(0, off.Number("output.voltage"));
        Assert.DoesNotContain("OFF", on.StatusTokens());
        Assert.True(site.Ups.OutputOn);
    }

    [Fact]
    public async Task Apc_shutdown_return_command_schedules_a_shutdown_with_the_off_delay()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var profile = await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus");
        await using var client = FaceTestKit.Connect(host.Device("ups"));
        var write = profile.Commands["shutdown.return"].Writes[0];

        await client.WriteMultipleRegistersAsync(1, (ushort)write.Address, write.Values.Select(v => (ushort)v).ToArray());

        Assert.True(host.Site.Ups.ShutdownPending);
        Assert.Equal(TimeSpan.FromSeconds(ApcSmartUpsFace.DefaultShutdownDelaySeconds), host.Site.Ups.ShutdownRemaining);
    }

    [Fact]
    public async Task Apc_reads_starting_on_undefined_addresses_answer_exception_02_and_writes_there_change_nothing()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("ups"));

        var read = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 300, 2));
        var afterStatus = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 27, 2));
        var write = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 130, 0));

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, read.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, afterStatus.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, write.ExceptionCode);
        Assert.True(host.Site.Ups.OutputOn);
    }

    [Fact]
    public async Task Apc_block_read_starting_on_a_defined_register_returns_zeros_for_the_undefined_ones()
    {
        // APC 990-9840 note 4 (SPEC-DEVICES §2.1): NUT reads the static block 1026-1047 as one request.
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("ups"));

        var status = await client.ReadHoldingRegistersAsync(1, 20, 10);
        var settings = await client.ReadHoldingRegistersAsync(1, 1026, 22);

        Assert.Equal(10, status.Length);
        Assert.Equal(new ushort[3], status[7..]);
        Assert.Equal(22, settings.Length);
        Assert.Equal(ApcSmartUpsFace.DefaultShutdownDelaySeconds, (short)settings[1029 - 1026]);
        Assert.Equal(new ushort[3], settings[(1045 - 1026)..]);
    }

    [Fact]
    public async Task Apc_battery_maintenance_date_register_133_survives_every_refresh()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        var profile = await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus");
        await using var client = FaceTestKit.Connect(host.Device("ups"));

        site.RunFor(TimeSpan.FromSeconds(2), Step);
        var first = await client.ReadHoldingRegistersAsync(1, 133, 1);
        site.RunFor(TimeSpan.FromSeconds(2), Step);
        var r = await FaceTestKit.PollAsync(client, profile, 1);

        // Days since 2000-01-01: the stepped clock starts 2026-01-01; the date is a year earlier (2025-01-01 = 9132).
        Assert.Equal(9132, first[0]);
        Assert.Equal(9132, (await client.ReadHoldingRegistersAsync(1, 133, 1))[0]);
        Assert.True(r.ContainsKey("battery.date.maintenance"));
    }

    [Fact]
    public async Task Dse_face_follows_the_generator_through_start_and_load_after_utility_fail()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        var profile = await FaceTestKit.LoadProfileAsync("dse-gencomm");
        await using var client = FaceTestKit.Connect(host.Device("generator"));
        var idle = await FaceTestKit.PollAsync(client, profile, 1);

        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(60), Step);
        var running = await FaceTestKit.PollAsync(client, profile, 1);

        var g = site.Generator;
        Assert.Equal("Deep Sea Electronics", idle.Text("device.mfr"));
        Assert.Equal("7320 MkII", idle.Text("device.model"));
        Assert.Equal("auto", idle.Text("generator.mode"));
        Assert.Equal("stopped", idle.Text("engine.state"));
        Assert.Equal("stopped", idle.Text("generator.state"));
        Assert.Equal(GeneratorState.OnLoad, g.State);
        Assert.Equal("running", running.Text("engine.state"));
        Assert.Equal("on-load", running.Text("generator.state"));
        Assert.Equal(Math.Round(g.FuelPercent), running.Number("fuel.level"));
        Assert.Equal(Math.Round(g.EngineSpeed), running.Number("engine.speed"));
        Assert.Equal(g.Frequency, running.Number("generator.frequency"), 0.05 + 1e-9);
        Assert.Equal(g.Voltage, running.Number("generator.voltage.l1n"), 0.05 + 1e-9);
        Assert.Equal(g.VoltageLineToLine, running.Number("generator.voltage.l1l2"), 0.05 + 1e-9);
        Assert.Equal(g.CurrentPerPhase, running.Number("generator.current.l2"), 0.05 + 1e-9);
        Assert.Equal(g.PowerW / 1000, running.Number("generator.power"), 0.0005 + 1e-9);
        Assert.Equal(g.LoadPercent, running.Number("generator.power.percent"), 0.05 + 1e-9);
        Assert.Equal(Math.Floor(g.RunTime.TotalSeconds), running.Number("generator.run.time"));
        Assert.Equal(g.Starts, running.Number("generator.starts"));
        Assert.Equal(0, running.Number("mains.voltage.l1n"));
        Assert.Equal(site.Utility.Options.NominalVoltage, idle.Number("mains.voltage.l1n"), 0.05 + 1e-9);
        Assert.False(running.ContainsKey("engine.oil.temperature") && running["engine.oil.temperature"].Quality != Quality.Good);
    }

    [Fact]
    public async Task Dse_alarms_page_reports_fail_to_start_as_a_shutdown_alarm()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        site.Generator.SetFault(GeneratorFault.FailToStart);
        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(90), Step);
        var profile = await FaceTestKit.LoadProfileAsync("dse-gencomm");
        await using var client = FaceTestKit.Connect(host.Device("generator"));

        var r = await FaceTestKit.PollAsync(client, profile, 1);

        var code = site.Generator.Alarms[GeneratorAlarm.FailToStart];
        Assert.Equal(AlarmCondition.Shutdown, code);
        Assert.Equal(AlarmConditions.ByCode[(int)code], r.Text("generator.alarm.fail-to-start"));
        Assert.Equal(AlarmConditions.ByCode[(int)AlarmCondition.NotActive], r.Text("generator.alarm.low-oil-pressure"));
        Assert.Equal("failed", r.Text("generator.state"));
    }

    [Theory]
    [InlineData(GeneratorFault.LowFuel, 0x0400)] // 11/16 warning = bit 10
    [InlineData(GeneratorFault.Overload, 0x0800)] // 12/16 electrical trip = bit 11
    [InlineData(GeneratorFault.FailToStart, 0x1000)] // 13/16 shutdown = bit 12
    public async Task Dse_status_flags_774_number_bits_n_of_16_from_1(GeneratorFault fault, int expected)
    {
        // SPEC §3.2 (corrected): DSE flag n/16 is bit n − 1, 16/16 the most significant bit.
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        site.Generator.SetFault(fault);
        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(120), Step);
        var profile = await FaceTestKit.LoadProfileAsync("dse-gencomm");
        await using var client = FaceTestKit.Connect(host.Device("generator"));

        var raw = await client.ReadHoldingRegistersAsync(1, 774, 1);
        var r = await FaceTestKit.PollAsync(client, profile, 1);

        Assert.Equal(expected, raw[0]);
        Assert.Equal(expected, r.Number("generator.controller.status"));
    }

    [Fact]
    public async Task Dse_key_pair_with_its_complement_starts_the_engine_in_manual_mode()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        await using var client = FaceTestKit.Connect(host.Device("generator"));

        // §3.6: key to 4104 and 65535 − key to 4105 in one FC16 (35702 manual, 35705 start).
        await client.WriteMultipleRegistersAsync(1, 4104, new ushort[] { 35702, 65535 - 35702 });
        await client.WriteMultipleRegistersAsync(1, 4104, new ushort[] { 35705, 65535 - 35705 });
        site.RunFor(TimeSpan.FromSeconds(40), Step);
        var raw = await client.ReadHoldingRegistersAsync(1, 772, 1);
        var state = await client.ReadHoldingRegistersAsync(1, 1408, 1);

        Assert.Equal(GeneratorMode.Manual, site.Generator.Mode);
        Assert.Equal(2, raw[0]);
        Assert.Equal((ushort)EngineOperatingState.Running, state[0]);
        Assert.Equal(EngineOperatingState.Running, site.Generator.EngineState);
    }

    [Theory]
    [InlineData(35702, 0)]
    [InlineData(35702, 29832)]
    [InlineData(1, 65534)]
    public async Task Dse_key_pair_with_a_wrong_complement_or_unknown_key_answers_03_and_changes_nothing(int key, int second)
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("generator"));

        var ex = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteMultipleRegistersAsync(1, 4104, new ushort[] { (ushort)key, (ushort)second }));
        var lone = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 4104, 35702));

        Assert.Equal(ModbusExceptionCode.IllegalDataValue, ex.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataValue, lone.ExceptionCode);
        Assert.Equal(GeneratorMode.Auto, host.Site.Generator.Mode);
        Assert.Equal(0, host.Device("generator").Face.CommandsAccepted);
    }

    [Fact]
    public async Task Dse_unimplemented_registers_inside_served_pages_answer_the_sentinels()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("generator"));

        var page3 = await client.ReadHoldingRegistersAsync(1, 773, 1);
        var lagLead = await client.ReadHoldingRegistersAsync(1, 1058, 1);
        var bus = await client.ReadHoldingRegistersAsync(1, 1090, 4);
        var capabilities = await client.ReadHoldingRegistersAsync(1, 4096, 8);
        var outside = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 2048, 1));

        Assert.Equal(0xFFFF, page3[0]);
        Assert.Equal(0x7FFF, lagLead[0]);
        Assert.All(bus, v => Assert.Equal(0xFFFF, v));
        // 35700–35715 → register 4096 bits 15…0; keys 35700–35710 supported = 0xFFE0.
        Assert.Equal(0xFFE0, capabilities[0]);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outside.ExceptionCode);
    }

    [Fact]
    public async Task Atys_face_shows_the_transfer_to_position_ii_after_utility_fail()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        var profile = await FaceTestKit.LoadProfileAsync("socomec-atys-pm");
        await using var client = FaceTestKit.Connect(host.Device("ats"));
        var normal = await FaceTestKit.PollAsync(client, profile, 1);

        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(60), Step);
        var transferred = await FaceTestKit.PollAsync(client, profile, 1);
        var raw = await client.ReadHoldingRegistersAsync(1, AtsFace.StatusBlock, AtsFace.StatusWords);

        var a = site.Ats;
        Assert.Equal("1", normal.Text("input.source"));
        Assert.True(normal.Bool("ats.source1.available"));
        Assert.Equal(AtsPosition.Source2, a.Position);
        Assert.Equal("2", transferred.Text("input.source"));
        Assert.False(transferred.Bool("ats.source1.available"));
        Assert.True(transferred.Bool("ats.source2.available"));
        Assert.True(transferred.Bool("ats.start.contact"));
        Assert.True(transferred.Bool("ats.auto"));
        Assert.Equal(a.TransferCount, transferred.Number("ats.transfer.count"));
        // Table values: 20481 0x0010 auto, 20482 3 position II, 20484 1 relay active, 20486 0 under threshold, 20487 2 available.
        Assert.Equal(new ushort[] { 2, 0x0010, 3, 0, 1, 1, 0, 2, 0 }, raw.Take(9).ToArray());
        Assert.Equal((ushort)a.TransferCount, raw[9]);
        Assert.All(raw.Skip(10), v => Assert.Equal(0, v));
    }

    [Fact]
    public async Task Atys_face_identifies_as_soco_atys_and_refuses_writes_and_unknown_addresses_with_02()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("ats"));

        var id = await client.ReadHoldingRegistersAsync(1, AtsFace.IdentificationBlock, 5);
        var write = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 20481, 0x0020));
        var outside = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 20495, 1));
        var oldMap = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 0, 14));

        Assert.Equal(new ushort[] { 0x534F, 0x434F, 0, 0, AtsFace.AtysProductOrderId }, id); // "SOCO", 300 = Atys
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, write.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, outside.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, oldMap.ExceptionCode);
        Assert.True(host.Site.Ats.Automatic);
    }

    [Theory]
    [InlineData(true, 230.0, 2)]
    [InlineData(false, 190.0, 1)]
    [InlineData(false, 0.0, 0)]
    public void Atys_source_state_is_available_present_or_under_threshold(bool available, double volts, int expected)
    {
        Assert.Equal(expected, AtsFace.SourceState(available, volts));
    }

    [Fact]
    public async Task Xerus_face_outlets_sum_to_the_inlet_and_empty_slots_read_zero()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        host.Site.RunFor(TimeSpan.FromSeconds(3), Step);
        var profile = await FaceTestKit.LoadProfileAsync("raritan-xerus-pdu");
        await using var client = FaceTestKit.Connect(host.Device("pdu1"));

        var r = await FaceTestKit.PollAsync(client, profile, 1);
        var pdu = host.Site.Pdus[0];
        var n = pdu.Outlets.Count;
        var emptySlot = await client.ReadHoldingRegistersAsync(1, PduFace.OutletAddress(n + 1), PduFace.BlockWords);

        Assert.Equal(n, r.Number("outlet.count"));
        Assert.Equal((float)pdu.PowerW, (float)r.Number("input.realpower"));
        Assert.Equal((float)pdu.Voltage, (float)r.Number("input.voltage"));
        Assert.Equal((float)pdu.Current, (float)r.Number("input.current"));
        Assert.Equal((float)pdu.Frequency, (float)r.Number("input.frequency"));
        Assert.Equal(Math.Round(pdu.EnergyWh) / 1000, r.Number("pdu.energy"), 1e-9);
        for (var i = 1; i <= n; i++)
        {
            Assert.Equal((float)pdu.Outlets[i - 1].Current, (float)r.Number($"outlet.{i}.current"));
            Assert.Equal((float)pdu.Outlets[i - 1].PowerW, (float)r.Number($"outlet.{i}.realpower"));
        }

        Assert.Equal(r.Number("input.realpower"), Enumerable.Range(1, n).Sum(i => r.Number($"outlet.{i}.realpower")), 0.01 * n);
        Assert.False(r.ContainsKey($"outlet.{n + 1}.current"));
        Assert.All(emptySlot, v => Assert.Equal(0, v));
        Assert.True(pdu.PowerW > 0);
    }

    [Fact]
    public async Task Xerus_face_has_no_coils_and_refuses_writes_with_02()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var client = FaceTestKit.Connect(host.Device("pdu1"));

        var coils = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadCoilsAsync(1, 0, 8));
        var coilWrite = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleCoilAsync(1, 2, false));
        var write = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 3, 12));
        var between = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, PduFace.OutletBlock + PduFace.BlockWords, 1));

        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, coils.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, coilWrite.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, write.ExceptionCode);
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, between.ExceptionCode);
        Assert.True(host.Site.Pdus[0].Outlets[2].On);
    }

    [Fact]
    public async Task Sdm630_face_float_registers_equal_the_meter_model()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        host.Site.RunFor(TimeSpan.FromSeconds(60), Step);
        var profile = await FaceTestKit.LoadProfileAsync("eastron-sdm630");
        await using var client = FaceTestKit.Connect(host.Device("meter"));

        var r = await FaceTestKit.PollAsync(client, profile, 1);

        var m = host.Site.Meter!;
        Assert.Equal((float)m.PowerW, (float)r.Number("input.realpower"));
        Assert.Equal((float)m.Voltage, (float)r.Number("input.L1-N.voltage"));
        Assert.Equal((float)m.Current, (float)r.Number("input.L1.current"));
        Assert.Equal((float)m.Frequency, (float)r.Number("input.frequency"));
        Assert.Equal((float)m.PowerFactor, (float)r.Number("input.powerfactor"));
        Assert.Equal((float)m.ImportEnergyKwh, (float)r.Number("meter.energy.import"));
        Assert.Equal(0, r.Number("input.L2-N.voltage"));
        Assert.True(m.PowerW > 1000 && m.ImportEnergyKwh > 0);
    }

    [Fact]
    public void Sdm630_float_encoding_is_abcd_high_word_first()
    {
        // SPEC §1.5: float32 230.0 on the wire in ABCD is 43 66 00 00 (reg n = 0x4366, reg n+1 = 0x0000).
        var registers = new ushort[2];

        Sdm630Face.PutFloat(registers, 0, 230.0);

        Assert.Equal(new ushort[] { 0x4366, 0x0000 }, registers);
    }
}
