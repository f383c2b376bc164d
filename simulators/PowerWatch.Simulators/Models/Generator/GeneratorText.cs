namespace PowerWatch.Simulators;

/// <summary>Names and page-154 packing for generator alarms and states.</summary>
public static class GeneratorText
{
    /// <summary>Number of alarms in <see cref="GeneratorAlarm"/> (8 registers of page 154).</summary>
    public const int AlarmCount = 32;

    /// <summary>The catalogue string of a state: stopped|starting|cranking|warming|available|on-load|cooling|failed.</summary>
    public static string ToText(this GeneratorState state) => state switch
    {
        GeneratorState.Stopped => "stopped",
        GeneratorState.Starting => "starting",
        GeneratorState.Cranking => "cranking",
        GeneratorState.Warming => "warming",
        GeneratorState.Available => "available",
        GeneratorState.OnLoad => "on-load",
        GeneratorState.Cooling => "cooling",
        _ => "failed",
    };

    /// <summary>The catalogue string of a mode (stop|auto|manual|…).</summary>
    public static string ToText(this GeneratorMode mode) => mode switch
    {
        GeneratorMode.Stop => "stop",
        GeneratorMode.Auto => "auto",
        GeneratorMode.Manual => "manual",
        GeneratorMode.TestOnLoad => "test-on-load",
        GeneratorMode.AutoWithManualRestore => "auto-manual-restore",
        GeneratorMode.UserConfiguration => "user",
        GeneratorMode.TestOffLoad => "test-off-load",
        _ => "off",
    };

    /// <summary>Kebab-case alarm name, e.g. <c>fail-to-start</c>, <c>low-fuel-level</c>, <c>kilowatt-overload</c>.</summary>
    public static string ToText(this GeneratorAlarm alarm)
    {
        var name = alarm.ToString();
        var chars = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                chars.Append('-');
            }

            chars.Append(char.ToLowerInvariant(name[i]));
        }

        return chars.ToString();
    }

    /// <summary>
    /// Packs alarms into page-154 registers (from 39425): four 4-bit codes per register, first alarm in bits 15–12;
    /// alarms not raised read <see cref="AlarmCondition.NotActive"/>, positions beyond <see cref="AlarmCount"/>
    /// read <see cref="AlarmCondition.Unimplemented"/>.
    /// </summary>
    public static void PackPage154(IReadOnlyDictionary<GeneratorAlarm, AlarmCondition> alarms, Span<ushort> registers)
    {
        ArgumentNullException.ThrowIfNull(alarms);
        for (var r = 0; r < registers.Length; r++)
        {
            var value = 0;
            for (var n = 0; n < 4; n++)
            {
                var index = (r * 4) + n;
                var code = index >= AlarmCount
                    ? AlarmCondition.Unimplemented
                    : alarms.TryGetValue((GeneratorAlarm)index, out var c) ? c : AlarmCondition.NotActive;
                value |= ((int)code & 0xF) << (12 - (4 * n));
            }

            registers[r] = (ushort)value;
        }
    }
}
