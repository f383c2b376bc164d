using System.Collections.Immutable;

namespace PowerWatch.Core;

/// <summary><c>generator.state</c> values (DESIGN "Readings and names"). Wire-visible: frozen by tests.</summary>
public static class GeneratorStates
{
    public const string Stopped = "stopped";
    public const string Starting = "starting";
    public const string Cranking = "cranking";
    public const string Warming = "warming";
    public const string Available = "available";
    public const string OnLoad = "on-load";
    public const string Cooling = "cooling";
    public const string Failed = "failed";

    public static ImmutableArray<string> All { get; } =
        [Stopped, Starting, Cranking, Warming, Available, OnLoad, Cooling, Failed];
}

/// <summary><c>generator.mode</c> values (DSE register 772, SPEC §3.2). Wire-visible: frozen by tests.</summary>
public static class GeneratorModes
{
    public const string Stop = "stop";
    public const string Auto = "auto";
    public const string Manual = "manual";
    public const string TestOnLoad = "test-on-load";
    public const string AutoManualRestore = "auto-manual-restore";
    public const string UserConfiguration = "user-configuration";
    public const string TestOffLoad = "test-off-load";
    public const string Off = "off";

    public static ImmutableArray<string> All { get; } =
        [Stop, Auto, Manual, TestOnLoad, AutoManualRestore, UserConfiguration, TestOffLoad, Off];
}

/// <summary><c>engine.state</c> values (DSE register 1408, SPEC §3.4). Wire-visible: frozen by tests.</summary>
public static class EngineStates
{
    public const string Stopped = "stopped";
    public const string PreStart = "pre-start";
    public const string WarmingUp = "warming-up";
    public const string Running = "running";
    public const string CoolingDown = "cooling-down";
    public const string PostRun = "post-run";

    public static ImmutableArray<string> All { get; } = [Stopped, PreStart, WarmingUp, Running, CoolingDown, PostRun];
}

/// <summary>
/// <c>input.source</c> values: NUT's source numbers (<c>apc-ats-mib</c>: 1 or 2), and 0 when the switch feeds the load
/// from neither (neutral; PowerWatch's value, NUT has none). Wire-visible: frozen by tests.
/// </summary>
public static class InputSources
{
    public const string Neutral = "0";
    public const string Source1 = "1";
    public const string Source2 = "2";

    public static ImmutableArray<string> All { get; } = [Neutral, Source1, Source2];
}

/// <summary><c>outlet.{n}.status</c> values. Wire-visible: frozen by tests.</summary>
public static class OutletStates
{
    public const string On = "on";
    public const string Off = "off";

    public static ImmutableArray<string> All { get; } = [On, Off];
}

/// <summary>
/// <c>generator.alarm.{name}</c> values: the DSE 4-bit alarm condition codes (SPEC §3.5), by code.
/// Code 15 (unimplemented) produces no reading. Wire-visible: frozen by tests.
/// </summary>
public static class AlarmConditions
{
    public const string DisabledInput = "disabled";
    public const string NotActive = "inactive";
    public const string Warning = "warning";
    public const string Shutdown = "shutdown";
    public const string ElectricalTrip = "electrical-trip";
    public const string ControlledShutdown = "controlled-shutdown";
    public const string Reserved = "reserved";
    public const string IndicationInactive = "indication-inactive";
    public const string IndicationInactiveDisplayed = "indication-inactive-displayed";
    public const string IndicationActive = "indication-active";
    public const string Unimplemented = "unimplemented";

    /// <summary>Condition string for each code 0–15.</summary>
    public static ImmutableArray<string> ByCode { get; } =
    [
        DisabledInput, NotActive, Warning, Shutdown, ElectricalTrip, ControlledShutdown, Reserved, Reserved,
        IndicationInactive, IndicationInactiveDisplayed, IndicationActive, Reserved, Reserved, Reserved, Reserved,
        Unimplemented,
    ];

    /// <summary>Distinct values a <c>generator.alarm.{name}</c> reading can take.</summary>
    public static ImmutableArray<string> All { get; } =
    [
        DisabledInput, NotActive, Warning, Shutdown, ElectricalTrip, ControlledShutdown, Reserved,
        IndicationInactive, IndicationInactiveDisplayed, IndicationActive,
    ];

    /// <summary>True for codes that mean an alarm is raised (warning, shutdown, electrical trip, controlled shutdown).</summary>
    public static bool IsActive(int code) => code is 2 or 3 or 4 or 5;

    /// <summary>True for codes that stop the engine (shutdown, electrical trip, controlled shutdown).</summary>
    public static bool IsShutdown(int code) => code is 3 or 4 or 5;
}

/// <summary><c>input.transfer.reason</c> values: APC UPSStatusChangeCause_EN 0–30 (SPEC §2.2 register 2), by code. Wire-visible.</summary>
public static class UpsStatusChangeCauses
{
    public static ImmutableArray<string> All { get; } =
    [
        "system-init", "high-input-voltage", "low-input-voltage", "distorted-input", "rapid-change",
        "high-input-frequency", "low-input-frequency", "frequency-phase-difference", "acceptable-input",
        "automatic-test", "test-ended", "local-ui-command", "protocol-command", "low-battery-voltage",
        "general-error", "power-system-error", "battery-system-error", "error-cleared", "auto-restart",
        "distorted-inverter-output", "inverter-output-acceptable", "epo", "input-phase-delta",
        "neutral-not-connected", "ats-transfer", "config-change", "alert-asserted", "alert-cleared",
        "plug-rating-exceeded", "outlet-group-state-change", "failure-bypass-expired",
    ];

    /// <summary>
    /// The further values of APC PowerNet <c>upsAdvInputLineFailCause</c> (SNMP profile apc-powernet-ups; its codes 2
    /// and 10 are <c>high-input-voltage</c> and <c>rapid-change</c> above). Not Modbus codes: never indexed by code.
    /// </summary>
    public static ImmutableArray<string> LineFailCauses { get; } =
        ["no-transfer", "brownout", "blackout", "small-sag", "deep-sag", "small-spike", "large-spike", "self-test"];
}
