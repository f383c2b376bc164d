namespace PowerWatch.Core;

/// <summary>Constants for the metric names code refers to directly (every one is in <see cref="MetricCatalog"/>).</summary>
public static class MetricNames
{
    public const string FailoverState = "failover.state";
    public const string FailoverMessage = "failover.message";
    public const string FailoverPhase = "failover.phase";
    public const string FailoverMargin = "failover.margin";
    public const string FailoverRuntime = "failover.runtime";
    public const string FailoverRuntimeSource = "failover.runtime.source";
    public const string FailoverRuntimeReported = "failover.runtime.reported";
    public const string FailoverRuntimeEstimate = "failover.runtime.estimate";
    public const string FailoverGeneratorNeed = "failover.generator.need";
    public const string FailoverGeneratorState = "failover.generator.state";
    public const string FailoverFuelHours = "failover.fuel.hours";
    public const string FailoverVerdict = "failover.verdict";
    public const string FailoverVerdictCode = "failover.verdict.code";
    public const string FailoverSecondsLeft = "failover.seconds.left";
    public const string FailoverMarginKnown = "failover.margin.known";
    public const string FailoverCause = "failover.cause";
    public const string FailoverAction = "failover.action";
    public const string DeviceAvailable = "device.available";
    public const string DeviceMfr = "device.mfr";
    public const string DeviceModel = "device.model";
    public const string DeviceSerial = "device.serial";

    public const string BatteryCharge = "battery.charge";
    public const string BatteryRuntime = "battery.runtime";
    public const string BatteryVoltage = "battery.voltage";
    public const string BatteryTemperature = "battery.temperature";
    public const string InputVoltage = "input.voltage";
    public const string InputFrequency = "input.frequency";
    public const string InputCurrent = "input.current";
    public const string InputRealPower = "input.realpower";
    public const string OutputVoltage = "output.voltage";
    public const string OutputCurrent = "output.current";
    public const string OutputFrequency = "output.frequency";
    public const string UpsLoad = "ups.load";
    public const string UpsRealPower = "ups.realpower";
    public const string UpsPower = "ups.power";
    public const string UpsTemperature = "ups.temperature";
    public const string UpsStatus = "ups.status";
    public const string UpsModeBuzzwords = "experimental.ups.mode.buzzwords";
    public const string OutputEnergy = "experimental.output.energy";
    public const string UpsModel = "ups.model";
    public const string UpsSerial = "ups.serial";
    public const string UpsFirmware = "ups.firmware";

    public const string GeneratorState = "generator.state";
    public const string GeneratorMode = "generator.mode";
    public const string GeneratorFrequency = "generator.frequency";
    public const string GeneratorPower = "generator.power";
    public const string GeneratorAlarmPrefix = "generator.alarm.";
    public const string GeneratorAlarmsActive = "generator.alarms.active";
    public const string GeneratorAlarmsShutdown = "generator.alarms.shutdown";

    public const string EngineState = "engine.state";
    public const string EngineSpeed = "engine.speed";
    public const string EngineOilPressure = "engine.oil.pressure";
    public const string EngineCoolantTemperature = "engine.coolant.temperature";
    public const string EngineBatteryVoltage = "engine.battery.voltage";
    public const string FuelLevel = "fuel.level";

    public const string InputSource = "input.source";
    public const string AtsSource1Available = "ats.source1.available";
    public const string AtsSource2Available = "ats.source2.available";
    public const string AtsTransferInProgress = "ats.transfer.in.progress";
    public const string AtsStartContact = "ats.start.contact";

    public const string OutletCount = "outlet.count";
    public const string MeterEnergy = "meter.energy";

    /// <summary><c>outlet.{n}.current</c> for outlet <paramref name="n"/> (from 1).</summary>
    public static string OutletCurrent(int n) => Outlet(n, "current");

    /// <summary><c>outlet.{n}.realpower</c> (W).</summary>
    public static string OutletRealPower(int n) => Outlet(n, "realpower");

    /// <summary><c>outlet.{n}.status</c> (<c>on</c>/<c>off</c>).</summary>
    public static string OutletStatus(int n) => Outlet(n, "status");

    private static string Outlet(int n, string leaf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"outlet.{n}.{leaf}");
    }
}
