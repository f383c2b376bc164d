using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Faces;

/// <summary>
/// APC Smart-UPS Modbus map (SPEC-DEVICES §2; profile <c>apc-smart-ups-modbus</c>), holding registers read with FC03.
/// Defined blocks: status 0–26, dynamic 128–174, inventory 516–635, settings 1024–1044, commands 1536–1543 (FC16 or
/// FC06). As APC 990-9840 note 4 says of a real unit (SPEC-DEVICES §2.1), a read that starts on a defined register
/// returns 0 for the undefined registers it spans (NUT reads the static block 1026–1047 in one request), and a read
/// starting on an undefined register answers 02. Register 133 (battery maintenance date) holds the date set at
/// construction, one year before the clock's start. Writable: 595–635, 1026–1044 and the
/// command registers; a write anywhere else answers 02. Commands act on the UPS model: UPSCommand_BF bits 4/5 bypass,
/// OutletCommand_BF (MOG only) cancel/on/off/shutdown/reboot with the off-delay modifier, SimpleSignalingCommand_BF
/// request shutdown / remote off / remote on, self-test start/abort, UI mute/cancel mute.
/// </summary>
public sealed class ApcSmartUpsFace : ModbusFace
{
    /// <summary>Default MOG shutdown delay (register 1029) used by delayed outlet commands, s.</summary>
    public const short DefaultShutdownDelaySeconds = 20;

    private static readonly DateTimeOffset Epoch2000 = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Ups _ups;
    private readonly ushort _batteryMaintenanceDays;

    public ApcSmartUpsFace(Site site, Ups? ups = null)
        : base(site, (ups ?? site?.Ups ?? throw new ArgumentNullException(nameof(site))).Name, "ups", "apc-smart-ups-modbus")
    {
        _ups = ups ?? site!.Ups;
        var o = _ups.Options;
        var holding = ModbusTable.HoldingRegisters;
        Store.ZeroFillReadsStartingOnDefined = true;

        // Blocks defined as zero first, then the static content.
        Store.Define(holding, 0, 27);
        Store.Define(holding, 128, 47);
        Store.Define(holding, 516, 120);
        Store.Define(holding, 1024, 21);
        Store.Define(holding, 1536, 8);
        SetString(holding, 516, 8, "UPS 09.8 (ID18)");
        SetString(holding, 532, 16, $"Smart-UPS SRT {o.RatedApparentPowerVa:0}");
        SetString(holding, 548, 16, $"SRT{o.RatedApparentPowerVa / 1000:0}KXLI");
        SetString(holding, 564, 8, "AS2601000001");
        SetString(holding, 572, 8, "APCRBC140");
        Store.SetRegisters(holding, 588, [U16(o.RatedApparentPowerVa), U16(o.RatedPowerW), 0x0001]);
        var start = site!.Clock.Start;
        Store.SetRegister(holding, 591, Days(start.AddYears(-2)));
        Store.SetRegister(holding, 592, VoltageSettingBits(o.NominalVoltage));
        _batteryMaintenanceDays = Days(start.AddYears(-1));
        Store.SetRegister(holding, 595, Days(start.AddYears(-1)));
        SetString(holding, 596, 8, _ups.Name);
        SetString(holding, 604, 8, "MOG");
        Store.SetRegisters(holding, 1026, [U16(o.NominalVoltage * o.HighTransferFraction), U16(o.NominalVoltage * o.LowTransferFraction)]);
        Store.SetRegisters(holding, 1029, [unchecked((ushort)DefaultShutdownDelaySeconds), 0, 0, 8]);
        Refresh();
    }

    /// <summary>The UPS model served.</summary>
    public Ups Ups => _ups;

    protected override void Render()
    {
        var status = new ushort[27];
        var dynamic = new ushort[47];
        Site.Read(_ =>
        {
            var u = _ups;
            var s = u.Status;
            PutU32(status, 0, UpsStatusMapping.ToApcStatusBits(s));
            status[2] = ChangeCause(u);
            PutU32(status, 3, u.OutputOn ? 1u : 2u);
            status[18] = UpsStatusMapping.ToApcSimpleSignalingBits(s);
            PutU32(status, 20, (s & UpsStatus.Overload) != 0 ? 1u : 0u);
            status[22] = (ushort)((u.InjectedFault == UpsFault.BatteryDisconnected ? 1 : 0) | ((s & UpsStatus.ReplaceBattery) != 0 ? 4 : 0));
            status[23] = u.LastSelfTest switch
            {
                SelfTestResult.InProgress => 1 << 1,
                SelfTestResult.Passed => 1 << 2,
                SelfTestResult.Failed => 1 << 3,
                SelfTestResult.Refused => 1 << 4,
                _ => 0,
            };
            status[25] = (s & UpsStatus.ReplaceBattery) != 0 ? (ushort)(1 << 2) : (ushort)1;
            status[26] = (ushort)(((s & UpsStatus.TestInProgress) != 0 ? 1 : 0) | (u.BeeperOn ? 0 : 1 << 2));

            PutU32(dynamic, 0, U32(Math.Floor(u.ReportedRuntimeSeconds)));
            dynamic[2] = U16(u.ChargePercent * 512);
            dynamic[3] = S16(u.BatteryVoltage * 32);
            dynamic[5] = _batteryMaintenanceDays;
            dynamic[7] = S16(u.Temperature * 128);
            dynamic[8] = U16(u.LoadPercent * 256);
            dynamic[10] = U16(u.ApparentLoadPercent * 256);
            dynamic[12] = U16(u.OutputCurrent * 32);
            dynamic[14] = U16(u.OutputVoltage * 64);
            dynamic[16] = U16(u.OutputFrequency * 128);
            PutU32(dynamic, 17, U32(u.OutputEnergyWh));
            dynamic[22] = InputStatus(u);
            dynamic[23] = U16(u.InputVoltage * 64);
            dynamic[26] = Efficiency(u);
            var off = u.ShutdownRemaining is { } r ? S16(Math.Ceiling(r.TotalSeconds)) : unchecked((ushort)-1);
            dynamic[27] = off;
            dynamic[28] = unchecked((ushort)-1);
            PutS32(dynamic, 29, -1);
            for (var g = 0; g < 4; g++)
            {
                dynamic[31 + (4 * g)] = unchecked((ushort)-1);
                dynamic[32 + (4 * g)] = unchecked((ushort)-1);
                PutS32(dynamic, 33 + (4 * g), -1);
            }

            return 0;
        });
        Store.SetRegisters(ModbusTable.HoldingRegisters, 0, status);
        Store.SetRegisters(ModbusTable.HoldingRegisters, 128, dynamic);
        Store.SetRegisters(ModbusTable.HoldingRegisters, 1536, stackalloc ushort[8]);
    }

    protected override ModbusExceptionCode Accept(ModbusWrite write)
    {
        if (write.Table != ModbusTable.HoldingRegisters)
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        if (Within(write, 595, 41))
        {
            return ModbusExceptionCode.None;
        }

        if (Within(write, 1026, 19))
        {
            return ModbusExceptionCode.None;
        }

        if (!Within(write, 1536, 8))
        {
            return ModbusExceptionCode.IllegalDataAddress;
        }

        var delay = TimeSpan.FromSeconds(Math.Max((short)Store.GetRegister(ModbusTable.HoldingRegisters, 1029), (short)0));
        var actions = new List<Action>();
        if (Touches(write, 1536, 2))
        {
            var bits = Word32(write, 1536);
            if ((bits & (1 << 4)) != 0)
            {
                actions.Add(() => _ups.SetBypass(true));
            }

            if ((bits & (1 << 5)) != 0)
            {
                actions.Add(() => _ups.SetBypass(false));
            }
        }

        if (Touches(write, 1538, 2))
        {
            var bits = Word32(write, 1538);
            if ((bits & (1 << 8)) != 0)
            {
                var delayed = (bits & (1 << 7)) != 0;
                var code = OutletCommand(bits & 0x1F, delayed ? delay : TimeSpan.Zero, actions);
                if (code != ModbusExceptionCode.None)
                {
                    return code;
                }
            }
        }

        if (TryGetWritten(write, 1540, out var signalling))
        {
            if ((signalling & 1) != 0)
            {
                actions.Add(() => _ups.Shutdown(delay, returnWhenPowerRestored: true));
            }

            if ((signalling & 2) != 0)
            {
                actions.Add(_ups.TurnOutputOff);
            }

            if ((signalling & 4) != 0)
            {
                actions.Add(_ups.TurnOutputOn);
            }
        }

        if (TryGetWritten(write, 1541, out var test))
        {
            if ((test & 1) != 0)
            {
                actions.Add(() => _ups.StartSelfTest());
            }

            if ((test & 2) != 0)
            {
                actions.Add(_ups.AbortSelfTest);
            }
        }

        if (TryGetWritten(write, 1543, out var ui) && (ui & 0xC) != 0)
        {
            var mute = (ui & 4) != 0;
            actions.Add(() => Site.Write(_ => _ups.BeeperOn = !mute));
        }

        foreach (var action in actions)
        {
            action();
        }

        return ModbusExceptionCode.None;
    }

    private ModbusExceptionCode OutletCommand(uint command, TimeSpan delay, List<Action> actions)
    {
        // One command bit at a time: 0 cancel, 1 on, 2 off, 3 shutdown, 4 reboot.
        if (command != 0 && (command & (command - 1)) != 0)
        {
            return ModbusExceptionCode.IllegalDataValue;
        }

        switch (command)
        {
            case 1:
                actions.Add(_ups.CancelShutdown);
                break;
            case 2:
                actions.Add(_ups.TurnOutputOn);
                break;
            case 4:
                actions.Add(delay > TimeSpan.Zero ? () => _ups.Shutdown(delay, returnWhenPowerRestored: false) : _ups.TurnOutputOff);
                break;
            case 8:
                actions.Add(() => _ups.Shutdown(delay, returnWhenPowerRestored: true));
                break;
            case 16:
                // Reboot: the model has no timed off/on cycle; the output is cycled at once (after any off-delay, returning).
                actions.Add(delay > TimeSpan.Zero ? () => _ups.Shutdown(delay, returnWhenPowerRestored: true) : () =>
                {
                    _ups.TurnOutputOff();
                    _ups.TurnOutputOn();
                });
                break;
            default:
                return ModbusExceptionCode.IllegalDataValue;
        }

        return ModbusExceptionCode.None;
    }

    private static uint Word32(ModbusWrite write, ushort address)
    {
        TryGetWritten(write, address, out var high);
        TryGetWritten(write, (ushort)(address + 1), out var low);
        return ((uint)high << 16) | low;
    }

    private static ushort ChangeCause(Ups u) => u.LastTransferCause switch
    {
        TransferCause.HighInputVoltage => 1,
        TransferCause.LowInputVoltage => 2,
        TransferCause.InputFrequency => 6,
        TransferCause.SelfTest => 9,
        _ => u.InputAcceptable ? (ushort)8 : (ushort)0,
    };

    private static ushort InputStatus(Ups u)
    {
        var bits = 0;
        if (u.InputAcceptable)
        {
            bits |= 1;
        }
        else if (u.InputVoltage > 0)
        {
            bits |= u.InputVoltage < u.Options.NominalVoltage ? 1 << 2 : 1 << 3;
        }

        if ((u.Status & UpsStatus.Boost) != 0)
        {
            bits |= 1 << 5;
        }

        if ((u.Status & UpsStatus.Trim) != 0)
        {
            bits |= 1 << 6;
        }

        return (ushort)bits;
    }

    private static ushort Efficiency(Ups u)
    {
        short reason = u.InjectedFault == UpsFault.BatteryDisconnected ? (short)-8
            : !u.OutputOn ? (short)-3
            : u.Mode == UpsMode.OnBattery ? (short)-4
            : u.Mode == UpsMode.Bypass ? (short)-5
            : u.LoadPercent < 5 ? (short)-2
            : (short)0;
        return reason != 0 ? unchecked((ushort)reason) : S16(u.Options.Efficiency * 100 * 128);
    }

    private static ushort VoltageSettingBits(double nominal) => nominal switch
    {
        < 110 => 1 << 0,
        < 160 => 1 << 1,
        < 204 => 1 << 2,
        < 214 => 1 << 3,
        < 225 => 1 << 4,
        < 235 => 1 << 5,
        _ => 1 << 6,
    };

    private static ushort Days(DateTimeOffset date) => (ushort)Math.Clamp((date - Epoch2000).TotalDays, 0, ushort.MaxValue);
}
