using System.Collections.Frozen;
using System.Collections.Immutable;
using PowerWatch.Core.Failover;
using static PowerWatch.Core.MetricGroup;

namespace PowerWatch.Core;

/// <summary>
/// The one table of every metric name PowerWatch emits, with unit, value kind and meaning (HOUSE-RULES 11).
/// Names follow Network UPS Tools where NUT has one; the rest use the same dotted style. Immutable.
/// docs/metrics.md is rendered from it by <see cref="RenderMarkdown"/> (kept fresh by a test).
/// </summary>
public static class MetricCatalog
{
    private const string Percent = "%";
    private const string Seconds = "s";
    private const string Volts = "V";
    private const string Amps = "A";
    private const string Hertz = "Hz";
    private const string Watts = "W";
    private const string VoltAmps = "VA";
    private const string Vars = "var";
    private const string Celsius = "°C";
    private const string KiloWatts = "kW";
    private const string WattHours = "Wh";
    private const string KiloWattHours = "kWh";
    private const string KiloVarHours = "kvarh";
    private const string Hours = "h";
    private const string None = "";

    /// <summary>Every entry, in documentation order.</summary>
    public static ImmutableArray<MetricDefinition> All { get; } = Build();

    private static readonly FrozenDictionary<string, MetricDefinition> Exact =
        All.Where(d => !d.IsPattern).ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly ImmutableArray<MetricDefinition> Patterns = [.. All.Where(d => d.IsPattern)];

    /// <summary>
    /// Finds the entry for a concrete metric name (<c>outlet.7.current</c> matches <c>outlet.{n}.current</c>),
    /// or for a pattern name exactly as catalogued.
    /// </summary>
    public static bool TryFind(string metric, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MetricDefinition? definition)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (Exact.TryGetValue(metric, out definition))
        {
            return true;
        }

        foreach (var pattern in Patterns)
        {
            if (string.Equals(pattern.Name, metric, StringComparison.Ordinal) || MetricPattern.Matches(pattern.Name, metric))
            {
                definition = pattern;
                return true;
            }
        }

        definition = null;
        return false;
    }

    /// <summary>True when the name (concrete or catalogued pattern) is in the catalogue.</summary>
    public static bool Contains(string metric) => TryFind(metric, out _);

    /// <summary>Renders the catalogue as Markdown (the content of docs/metrics.md).</summary>
    public static string RenderMarkdown() => MetricCatalogMarkdown.Render(All);

    private static MetricDefinition N(string name, string unit, MetricGroup group, string description) =>
        new(name, unit, MetricKind.Number, group, description);

    private static MetricDefinition B(string name, MetricGroup group, string description) =>
        new(name, None, MetricKind.Boolean, group, description);

    private static MetricDefinition T(string name, MetricGroup group, string description, ImmutableArray<string> values = default) =>
        new(name, None, MetricKind.Text, group, description) { Values = values.IsDefault ? [] : values };

    private static ImmutableArray<MetricDefinition> Build()
    {
        var b = ImmutableArray.CreateBuilder<MetricDefinition>();

        // Device (every kind).
        b.Add(B(MetricNames.DeviceAvailable, Device, "The device answered its last poll (false: comms lost; the agent emits it, profiles do not)."));
        b.Add(T(MetricNames.DeviceMfr, Device, "Manufacturer name."));
        b.Add(T(MetricNames.DeviceModel, Device, "Model name or number as the device reports it."));
        b.Add(T(MetricNames.DeviceSerial, Device, "Serial number."));
        b.Add(T("device.part", Device, "Part number / SKU."));
        b.Add(T("device.firmware", Device, "Controller firmware version."));

        // Input and output: NUT's input/output domains, shared by every kind that measures them (UPS, transfer
        // switch, PDU, meter). Per phase NUT puts the context between domain and quantity: input.L1.current.
        b.Add(N(MetricNames.InputVoltage, Volts, Power, "Input voltage (UPS: utility; PDU: inlet; meter: average line-to-neutral)."));
        b.Add(N(MetricNames.InputCurrent, Amps, Power, "Input current (PDU: inlet; meter: average line current)."));
        b.Add(N(MetricNames.InputFrequency, Hertz, Power, "Input frequency."));
        b.Add(N(MetricNames.InputRealPower, Watts, Power, "Input real power, all phases (PDU inlet, meter total)."));
        b.Add(N("input.power", VoltAmps, Power, "Input apparent power, all phases."));
        b.Add(N("input.powerfactor", None, Power, "Input power factor, all phases."));
        foreach (var p in new[] { "L1", "L2", "L3" })
        {
            b.Add(N($"input.{p}-N.voltage", Volts, Power, $"{p}-N voltage."));
        }

        foreach (var p in new[] { "L1", "L2", "L3" })
        {
            b.Add(N($"input.{p}.current", Amps, Power, $"{p} current."));
            b.Add(N($"input.{p}.realpower", Watts, Power, $"{p} real power."));
            b.Add(N($"input.{p}.power", VoltAmps, Power, $"{p} apparent power."));
            b.Add(N($"input.{p}.powerfactor", None, Power, $"{p} power factor."));
        }

        b.Add(N(MetricNames.OutputVoltage, Volts, Power, "Output voltage."));
        b.Add(N(MetricNames.OutputCurrent, Amps, Power, "Output current (UPS output; transfer switch: load current)."));
        b.Add(N(MetricNames.OutputFrequency, Hertz, Power, "Output frequency."));

        // UPS (NUT names).
        b.Add(N(MetricNames.BatteryCharge, Percent, Ups, "Battery state of charge."));
        b.Add(N(MetricNames.BatteryRuntime, Seconds, Ups, "Battery runtime remaining at the present load."));
        b.Add(N(MetricNames.BatteryVoltage, Volts, Ups, "Battery voltage (DC)."));
        b.Add(N("battery.voltage.nominal", Volts, Ups, "Nominal battery voltage."));
        b.Add(N(MetricNames.BatteryTemperature, Celsius, Ups, "Battery temperature."));
        b.Add(T("battery.date", Ups, "Battery installation date (YYYY-MM-DD)."));
        b.Add(T("battery.date.maintenance", Ups, "Battery maintenance (replacement due) date (YYYY-MM-DD)."));
        b.Add(T("battery.part", Ups, "Battery part number / SKU."));
        b.Add(N("battery.lifetime.status", None, Ups, "APC Battery.LifeTimeStatus_BF raw bits (0 OK, 1 near end, 2 exceeded, 3/4 acknowledged)."));
        b.Add(N("battery.error", None, Ups, "APC BatterySystemError_BF raw bits (0 disconnected, 1 overvoltage, 2 needs replacement, …)."));
        b.Add(N("input.voltage.fault", Volts, Ups, "Input voltage at the last power fault (Q1)."));
        b.Add(N("input.transfer.high", Volts, Ups, "High transfer voltage."));
        b.Add(N("input.transfer.low", Volts, Ups, "Low transfer voltage."));
        b.Add(N("input.status", None, Ups, "APC Input.InputStatus_BF raw bits (0 acceptable, 2 low V, 3 high V, 5 boost, 6 trim, …)."));
        b.Add(B("input.power.failure", Ups, "Input power failure signalled (APC SimpleSignalingStatus bit 0)."));
        b.Add(N("output.voltage.nominal", Volts, Ups, "Nominal output voltage."));
        b.Add(N("output.current.nominal", Amps, Ups, "Nominal output current."));
        b.Add(N("output.frequency.nominal", Hertz, Ups, "Nominal output frequency."));
        b.Add(N(MetricNames.OutputEnergy, WattHours, Ups, "Energy delivered by the output since reset (NUT's experimental name and unit: Wh, as APC reports it)."));
        b.Add(N(MetricNames.UpsLoad, Percent, Ups, "Load, % of the real-power (W) rating."));
        b.Add(N(MetricNames.UpsRealPower, Watts, Ups, "Output real power."));
        b.Add(N("ups.realpower.nominal", Watts, Ups, "Real power rating."));
        b.Add(N(MetricNames.UpsPower, VoltAmps, Ups, "Output apparent power."));
        b.Add(N("output.power.percent", Percent, Ups, "Output apparent power, % of the VA rating (NUT SPEC power.percent)."));
        b.Add(N("ups.power.nominal", VoltAmps, Ups, "Apparent power rating."));
        b.Add(N("ups.efficiency", Percent, Ups, "Efficiency (APC; absent while not measurable)."));
        b.Add(N(MetricNames.UpsTemperature, Celsius, Ups, "UPS internal temperature."));
        b.Add(new MetricDefinition(MetricNames.UpsStatus, None, MetricKind.Status, Ups, "NUT status token set, space separated (OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD, ALARM and TEST as NUT's drivers set them; unknown tokens preserved).") { Values = UpsStatusTokens.Known });
        b.Add(T(MetricNames.UpsModeBuzzwords, Ups, "NUT's experimental.ups.mode.buzzwords: vendor mode words, space separated, empty when none (APC UPSStatus_BF bit 13 high-efficiency mode: vendor:apc:HE)."));
        b.Add(T("input.transfer.reason", Ups, "Cause of the last transfer or status change, opaque in NUT (APC Modbus UPSStatusChangeCause_EN or PowerNet upsAdvInputLineFailCause: one of the values listed; APC Smart 'G' passes its letter).", [.. UpsStatusChangeCauses.All, .. UpsStatusChangeCauses.LineFailCauses]));
        b.Add(N("ups.error.general", None, Ups, "APC GeneralError_BF raw bits."));
        b.Add(N("ups.error.power", None, Ups, "APC PowerSystemError_BF raw bits (0 overload, 1 short, 2 output overvoltage, 4 overtemperature, …)."));
        b.Add(T("ups.test.result", Ups, "Last self-test result, opaque in NUT (APC Modbus ReplaceBatteryTestStatus_BF: pending, in-progress, passed, failed, refused, aborted; APC Smart 'X'; Q1)."));
        b.Add(N("ups.calibration.status", None, Ups, "APC RunTimeCalibrationStatus_BF raw bits (1 in progress)."));
        b.Add(N("ups.interface.status", None, Ups, "APC UserInterfaceStatus_BF raw bits (0 test in progress, 1 audible alarm, 2 muted)."));
        b.Add(B("ups.beeper.status", Ups, "Beeper enabled (Q1 b0)."));
        b.Add(T("ups.type", Ups, "UPS topology (Q1 b3: 'online' or 'line-interactive').", ["online", "line-interactive"]));
        b.Add(T(MetricNames.UpsModel, Ups, "UPS model."));
        b.Add(T(MetricNames.UpsSerial, Ups, "UPS serial number."));
        b.Add(T(MetricNames.UpsFirmware, Ups, "UPS firmware version."));
        b.Add(T("ups.mfr", Ups, "UPS manufacturer."));
        b.Add(T("ups.mfr.date", Ups, "UPS manufacture date (YYYY-MM-DD)."));
        b.Add(T("ups.id", Ups, "User-assigned UPS name."));

        // Generator (alternator side).
        b.Add(T(MetricNames.GeneratorState, Generator, "Derived generator state.", GeneratorStates.All));
        b.Add(T(MetricNames.GeneratorMode, Generator, "Controller mode (DSE 772).", GeneratorModes.All));
        b.Add(N(MetricNames.GeneratorFrequency, Hertz, Generator, "Generator output frequency."));
        foreach (var p in new[] { "l1n", "l2n", "l3n" })
        {
            b.Add(N($"generator.voltage.{p}", Volts, Generator, $"Generator {PhaseText(p)} voltage."));
        }

        foreach (var p in new[] { "l1l2", "l2l3", "l3l1" })
        {
            b.Add(N($"generator.voltage.{p}", Volts, Generator, $"Generator {PhaseText(p)} voltage."));
        }

        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"generator.current.{p}", Amps, Generator, $"Generator {PhaseText(p)} current."));
        }

        b.Add(N("generator.current.earth", Amps, Generator, "Generator earth-fault current."));
        b.Add(N(MetricNames.GeneratorPower, KiloWatts, Generator, "Generator total active power."));
        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"generator.power.{p}", KiloWatts, Generator, $"Generator {PhaseText(p)} active power."));
        }

        b.Add(N("generator.power.percent", Percent, Generator, "Generator load, % of full power."));
        b.Add(N("generator.energy", KiloWattHours, Generator, "Energy produced (lifetime counter)."));
        b.Add(N("generator.starts", None, Generator, "Number of engine starts (lifetime counter)."));
        b.Add(N("generator.run.time", Seconds, Generator, "Engine run time (lifetime counter)."));
        b.Add(N("generator.controller.status", None, Generator, "DSE 774 control-unit status flags, raw bits; DSE flag n/16 is bit n-1 (13/16 shutdown = bit 12, 12/16 electrical trip = bit 11, 11/16 warning = bit 10, 7/16 controlled shutdown = bit 6) [U]."));
        b.Add(T("generator.alarm.{name}", Generator, "Condition of one named controller alarm (DSE 4-bit code); unimplemented alarms produce no reading.", AlarmConditions.All));
        b.Add(N(MetricNames.GeneratorAlarmsActive, None, Generator, "Number of alarms raised (warning, shutdown, electrical trip, controlled shutdown)."));
        b.Add(N("generator.alarms.warning", None, Generator, "Number of alarms in warning."));
        b.Add(N(MetricNames.GeneratorAlarmsShutdown, None, Generator, "Number of alarms that stop the engine (shutdown, electrical trip, controlled shutdown)."));

        // Engine.
        b.Add(T(MetricNames.EngineState, Engine, "Engine operating state (DSE 1408).", EngineStates.All));
        b.Add(N(MetricNames.EngineSpeed, "rpm", Engine, "Engine speed."));
        b.Add(N(MetricNames.EngineOilPressure, "kPa", Engine, "Oil pressure."));
        b.Add(N(MetricNames.EngineCoolantTemperature, Celsius, Engine, "Coolant temperature."));
        b.Add(N("engine.oil.temperature", Celsius, Engine, "Oil temperature."));
        b.Add(N(MetricNames.EngineBatteryVoltage, Volts, Engine, "Engine starter battery voltage."));
        b.Add(N("engine.alternator.voltage", Volts, Engine, "Charge-alternator voltage."));
        b.Add(N(MetricNames.FuelLevel, Percent, Engine, "Fuel level (may exceed 100, DSE range 0–130)."));

        // Mains as seen by a generator controller (AMF).
        b.Add(N("mains.frequency", Hertz, Mains, "Utility frequency measured by the generator controller."));
        foreach (var p in new[] { "l1n", "l2n", "l3n", "l1l2", "l2l3", "l3l1" })
        {
            b.Add(N($"mains.voltage.{p}", Volts, Mains, $"Utility {PhaseText(p)} voltage."));
        }

        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"mains.current.{p}", Amps, Mains, $"Utility {PhaseText(p)} current."));
        }

        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"mains.power.{p}", KiloWatts, Mains, $"Utility {PhaseText(p)} active power."));
        }

        // ATS.
        b.Add(T(MetricNames.InputSource, Ats, "Which source feeds the load: NUT input.source 1 or 2; 0 (PowerWatch) when neither does (neutral).", InputSources.All));
        b.Add(B(MetricNames.AtsSource1Available, Ats, "Source 1 (utility) is available."));
        b.Add(B(MetricNames.AtsSource2Available, Ats, "Source 2 (generator) is available."));
        b.Add(B("ats.source1.connected", Ats, "Load connected to source 1."));
        b.Add(B("ats.source2.connected", Ats, "Load connected to source 2."));
        b.Add(N("input.1.voltage", Volts, Ats, "Source 1 voltage."));
        b.Add(N("input.1.frequency", Hertz, Ats, "Source 1 frequency."));
        b.Add(N("input.2.voltage", Volts, Ats, "Source 2 voltage."));
        b.Add(N("input.2.frequency", Hertz, Ats, "Source 2 frequency."));
        b.Add(N("ats.transfer.count", None, Ats, "Transfers since reset (wraps at 65535)."));
        b.Add(N("ats.transfer.last.time", Seconds, Ats, "Time of the last transfer, Unix seconds."));
        b.Add(N("ats.transfer.last.duration", "ms", Ats, "Duration of the last transfer (load without power)."));
        b.Add(B(MetricNames.AtsTransferInProgress, Ats, "A transfer is in progress."));
        b.Add(B(MetricNames.AtsStartContact, Ats, "Engine-start contact closed (the ATS asks the generator to start)."));
        b.Add(B("ats.retransfer.pending", Ats, "Retransfer timer running."));
        b.Add(B("ats.test", Ats, "Test in progress."));
        b.Add(B("ats.fault", Ats, "ATS fault."));
        b.Add(B("ats.auto", Ats, "ATS in automatic mode."));
        b.Add(N("ats.delay.engine.start", Seconds, Ats, "Engine-start delay remaining."));
        b.Add(N("ats.delay.retransfer", Seconds, Ats, "Retransfer delay remaining."));
        b.Add(N("ats.delay.cooldown", Seconds, Ats, "Generator cool-down remaining."));

        // PDU.
        b.Add(N(MetricNames.OutletCount, None, Pdu, "Number of outlets."));
        b.Add(N("pdu.energy", KiloWattHours, Pdu, "Energy since reset."));
        b.Add(N("outlet.{n}.current", Amps, Pdu, "Outlet n current (n from 1)."));
        b.Add(N("outlet.{n}.realpower", Watts, Pdu, "Outlet n real power."));
        b.Add(N("outlet.{n}.power", VoltAmps, Pdu, "Outlet n apparent power (NUT's meaning; before the NUT renames PowerWatch used this name for watts)."));
        b.Add(N("outlet.{n}.powerfactor", None, Pdu, "Outlet n power factor."));
        b.Add(T("outlet.{n}.status", Pdu, "Outlet n switch status.", OutletStates.All));

        // Power meter.
        b.Add(N("meter.current.sum", Amps, Meter, "Sum of line currents."));
        b.Add(N("meter.power.reactive", Vars, Meter, "Total reactive power."));
        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"meter.power.reactive.{p}", Vars, Meter, $"{PhaseText(p)} reactive power."));
        }

        b.Add(N(MetricNames.MeterEnergy, KiloWattHours, Meter, "Total active energy."));
        b.Add(N("meter.energy.import", KiloWattHours, Meter, "Imported active energy."));
        b.Add(N("meter.energy.export", KiloWattHours, Meter, "Exported active energy."));
        foreach (var p in new[] { "l1", "l2", "l3" })
        {
            b.Add(N($"meter.energy.import.{p}", KiloWattHours, Meter, $"{PhaseText(p)} imported active energy."));
            b.Add(N($"meter.energy.export.{p}", KiloWattHours, Meter, $"{PhaseText(p)} exported active energy."));
            b.Add(N($"meter.energy.{p}", KiloWattHours, Meter, $"{PhaseText(p)} total active energy."));
        }

        b.Add(N("meter.energy.reactive", KiloVarHours, Meter, "Total reactive energy."));
        b.Add(N("meter.energy.reactive.import", KiloVarHours, Meter, "Imported reactive energy."));
        b.Add(N("meter.energy.reactive.export", KiloVarHours, Meter, "Exported reactive energy."));
        b.Add(N("meter.demand", Watts, Meter, "Total system power demand."));
        b.Add(N("meter.demand.max", Watts, Meter, "Maximum total system power demand."));
        foreach (var p in new[] { "l1n", "l2n", "l3n" })
        {
            b.Add(N($"meter.voltage.thd.{p}", Percent, Meter, $"{PhaseText(p)} voltage total harmonic distortion."));
        }

        b.Add(N("meter.voltage.thd.average", Percent, Meter, "Average voltage total harmonic distortion."));

        // Failover analysis: one point per UPS (tag device = the UPS) plus a site point (state, message).
        ImmutableArray<string> phases =
        [
            FailoverPhases.Normal, FailoverPhases.UtilityLost, FailoverPhases.GeneratorStarting,
            FailoverPhases.GeneratorAvailable, FailoverPhases.OnGenerator, FailoverPhases.GeneratorUnavailable,
        ];
        b.Add(T(MetricNames.FailoverState, MetricGroup.Failover, "Site point: the most urgent UPS phase at the site.", phases));
        b.Add(T(MetricNames.FailoverMessage, MetricGroup.Failover, "Site point: a human-readable summary, when there is one."));
        b.Add(T(MetricNames.FailoverPhase, MetricGroup.Failover, "Failover phase of this UPS's chain.", phases));
        b.Add(N(MetricNames.FailoverMargin, Seconds, MetricGroup.Failover, "Runtime margin: runtime used − time the generator still needs to carry the load (absent when the generator cannot carry it or runtime is unknown)."));
        b.Add(N(MetricNames.FailoverRuntime, Seconds, MetricGroup.Failover, "Runtime the margin uses: the more pessimistic of reported and independently estimated."));
        b.Add(T(MetricNames.FailoverRuntimeSource, MetricGroup.Failover, "Which runtime the margin uses.", ["reported", "estimate", "none"]));
        b.Add(N(MetricNames.FailoverRuntimeReported, Seconds, MetricGroup.Failover, "Runtime remaining as the UPS reports it."));
        b.Add(N(MetricNames.FailoverRuntimeEstimate, Seconds, MetricGroup.Failover, "Independent runtime estimate (observed discharge or learned battery model)."));
        b.Add(N(MetricNames.FailoverGeneratorNeed, Seconds, MetricGroup.Failover, "Seconds the generator still needs to carry the load (absent when it cannot: failed, not in auto, unknown)."));
        b.Add(T(MetricNames.FailoverGeneratorState, MetricGroup.Failover, "State of the generator feeding this UPS's ATS (`unknown` when its readings are stale)."));
        b.Add(N(MetricNames.FailoverFuelHours, Hours, MetricGroup.Failover, "Generator fuel remaining, in hours at the present burn rate."));
        b.Add(T(MetricNames.FailoverVerdict, MetricGroup.Failover, "Verdict of the site (site point) or of this UPS: never `normal` when a device it depends on is silent.", [.. Verdicts.All]));
        b.Add(N(MetricNames.FailoverVerdictCode, None, MetricGroup.Failover, "The verdict as a number for thresholds: 0 normal, 1 on-battery, 2 at-risk, 3 unknown, 4 critical, 5 load-lost."));
        b.Add(N(MetricNames.FailoverSecondsLeft, Seconds, MetricGroup.Failover, "Seconds until the battery is empty (site point: the first UPS to run out); only while on battery."));
        b.Add(N(MetricNames.FailoverMarginKnown, None, MetricGroup.Failover, "1 when the UPS point has a margin, 0 when it has none (the generator cannot carry the load, or the runtime is unknown): shows \"no margin\" instead of an old value."));
        b.Add(T(MetricNames.FailoverCause, MetricGroup.Failover, "Why the verdict is what it is, with the values."));
        b.Add(T(MetricNames.FailoverAction, MetricGroup.Failover, "Site point: the one recommended action for the verdict."));

        return b.ToImmutable();
    }

    private static string PhaseText(string phase) => phase switch
    {
        "l1n" => "L1-N",
        "l2n" => "L2-N",
        "l3n" => "L3-N",
        "l1l2" => "L1-L2",
        "l2l3" => "L2-L3",
        "l3l1" => "L3-L1",
        "l1" => "L1",
        "l2" => "L2",
        "l3" => "L3",
        _ => phase,
    };
}
