using System.Globalization;

namespace PowerWatch.Simulators.Scenarios;

/// <summary>
/// The observable properties of a site by dotted name (<c>&lt;device&gt;.&lt;property&gt;</c>) for expectations and
/// tools. Values are doubles or strings (booleans as true/false, sets as space-separated tokens).
/// </summary>
public static class SiteProperties
{
    private static readonly Dictionary<string, Func<UtilitySupply, object>> UtilityProps = new(StringComparer.Ordinal)
    {
        ["voltage"] = u => u.Voltage,
        ["frequency"] = u => u.Frequency,
        ["condition"] = u => u.Condition.ToString().ToLowerInvariant(),
    };

    private static readonly Dictionary<string, Func<TransferSwitch, object>> AtsProps = new(StringComparer.Ordinal)
    {
        ["position"] = a => TransferSwitch.PositionName(a.Position),
        ["source1.available"] = a => Bool(a.Source1Available),
        ["source2.available"] = a => Bool(a.Source2Available),
        ["start-contact"] = a => a.EngineStartContactClosed ? "closed" : "open",
        ["transfer.count"] = a => (double)a.TransferCount,
        ["transfer.last-duration"] = a => a.LastTransferDuration.TotalMilliseconds,
        ["transfer.in-progress"] = a => Bool(a.TransferInProgress),
        ["test"] = a => Bool(a.TestInProgress),
        ["fault"] = a => Bool(a.FaultActive),
        ["automatic"] = a => Bool(a.Automatic),
        ["status"] = a => (double)(int)a.StatusBits,
        ["output.voltage"] = a => a.OutputVoltage,
        ["output.frequency"] = a => a.OutputFrequency,
        ["load.current"] = a => a.LoadCurrent,
        ["engine-start-delay.remaining"] = a => a.EngineStartDelayRemaining?.TotalSeconds ?? 0,
        ["retransfer-delay.remaining"] = a => a.RetransferDelayRemaining?.TotalSeconds ?? 0,
        ["cool-down.remaining"] = a => a.CoolDownRemaining?.TotalSeconds ?? 0,
    };

    private static readonly Dictionary<string, Func<Generator, object>> GeneratorProps = new(StringComparer.Ordinal)
    {
        ["state"] = g => g.State.ToText(),
        ["mode"] = g => g.Mode.ToText(),
        ["engine.state"] = g => (double)(int)g.EngineState,
        ["engine.speed"] = g => g.EngineSpeed,
        ["engine.oil.pressure"] = g => g.OilPressureKpa,
        ["engine.coolant.temperature"] = g => g.CoolantTemperature,
        ["engine.battery.voltage"] = g => g.BatteryVoltage,
        ["crank.attempt"] = g => (double)g.CrankAttempt,
        ["available"] = g => Bool(g.Available),
        ["on-load"] = g => Bool(g.OnLoad),
        ["frequency"] = g => g.Frequency,
        ["voltage"] = g => g.Voltage,
        ["output.voltage"] = g => g.OutputVoltage,
        ["power"] = g => g.PowerW,
        ["load"] = g => g.LoadPercent,
        ["fuel.level"] = g => g.FuelPercent,
        ["fuel.litres"] = g => g.FuelLitres,
        ["fuel.rate"] = g => g.FuelRateLitresPerHour,
        ["alarms"] = g => string.Join(' ', g.Alarms.Keys.Select(k => k.ToText()).Order(StringComparer.Ordinal)),
        ["starts"] = g => (double)g.Starts,
        ["run-hours"] = g => g.RunTime.TotalHours,
        ["energy"] = g => g.EnergyKwh,
        ["start-contact"] = g => g.StartContactClosed ? "closed" : "open",
    };

    private static readonly Dictionary<string, Func<Ups, object>> UpsProps = new(StringComparer.Ordinal)
    {
        ["state"] = u => (u.Status & UpsStatus.Fault) != 0 ? "fault" : Ups.ModeName(u.Mode),
        ["output"] = u => u.OutputOn ? "on" : "off",
        ["status"] = u => string.Join(' ', UpsStatusMapping.ToNutTokens(u.Status)),
        ["battery.charge"] = u => u.ChargePercent,
        ["battery.runtime"] = u => u.ReportedRuntimeSeconds,
        ["battery.runtime.true"] = u => u.TrueRuntimeSeconds,
        ["battery.voltage"] = u => u.BatteryVoltage,
        ["load"] = u => u.LoadPercent,
        ["realpower"] = u => u.LoadW,
        ["input.voltage"] = u => u.InputVoltage,
        ["input.frequency"] = u => u.InputFrequency,
        ["input.power"] = u => u.InputPowerW,
        ["output.voltage"] = u => u.OutputVoltage,
        ["output.frequency"] = u => u.OutputFrequency,
        ["temperature"] = u => u.Temperature,
        ["bias"] = u => u.RuntimeBias,
        ["test.result"] = u => u.LastSelfTest.ToString().ToLowerInvariant(),
        ["energy"] = u => u.OutputEnergyWh,
    };

    private static readonly Dictionary<string, Func<Pdu, object>> PduProps = new(StringComparer.Ordinal)
    {
        ["power"] = p => p.PowerW,
        ["voltage"] = p => p.Voltage,
        ["frequency"] = p => p.Frequency,
        ["current"] = p => p.Current,
        ["energy"] = p => p.EnergyWh,
    };

    private static readonly Dictionary<string, Func<PowerMeter, object>> MeterProps = new(StringComparer.Ordinal)
    {
        ["voltage"] = m => m.Voltage,
        ["current"] = m => m.Current,
        ["power"] = m => m.PowerW,
        ["frequency"] = m => m.Frequency,
        ["pf"] = m => m.PowerFactor,
        ["energy"] = m => m.ImportEnergyKwh,
    };

    /// <summary>Every property name of a device kind (for documentation and error messages).</summary>
    public static IReadOnlyList<string> NamesFor(object device) => device switch
    {
        UtilitySupply => [.. UtilityProps.Keys],
        TransferSwitch => [.. AtsProps.Keys],
        Generator => [.. GeneratorProps.Keys],
        Ups => [.. UpsProps.Keys],
        Pdu => [.. PduProps.Keys, "outlet.N", "outlet.N.power", "outlet.N.current"],
        PowerMeter => [.. MeterProps.Keys],
        _ => [],
    };

    /// <summary>Resolves <c>device.property</c> to a reader (call it under <see cref="Site.Read{T}"/>), or null.</summary>
    public static Func<object>? Resolve(Site site, string path)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(path);
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return null;
        }

        var device = site.FindDevice(path[..dot]);
        var name = path[(dot + 1)..];
        return device switch
        {
            UtilitySupply u => Bind(UtilityProps, u, name),
            TransferSwitch a => Bind(AtsProps, a, name),
            Generator g => Bind(GeneratorProps, g, name),
            Ups u => Bind(UpsProps, u, name),
            Pdu p => Bind(PduProps, p, name) ?? OutletProperty(p, name),
            PowerMeter m => Bind(MeterProps, m, name),
            _ => null,
        };
    }

    private static Func<object>? Bind<T>(Dictionary<string, Func<T, object>> table, T device, string name) =>
        table.TryGetValue(name, out var read) ? () => read(device) : null;

    private static Func<object>? OutletProperty(Pdu pdu, string name)
    {
        var parts = name.Split('.');
        if (parts.Length is < 2 or > 3 || parts[0] != "outlet" ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > pdu.Outlets.Count)
        {
            return null;
        }

        var outlet = pdu.Outlets[n - 1];
        return parts.Length == 2 ? () => outlet.On ? "on" : "off"
            : parts[2] switch
            {
                "power" => () => outlet.PowerW,
                "current" => () => outlet.Current,
                _ => null,
            };
    }

    private static string Bool(bool value) => value ? "true" : "false";
}
