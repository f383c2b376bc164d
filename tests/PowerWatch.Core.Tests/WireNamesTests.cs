namespace PowerWatch.Core.Tests;

/// <summary>
/// Wire-visible strings (status tokens, enum values, quality names) frozen so a refactor cannot silently change
/// them: dashboards, alert rules and stored data depend on them. Change a value here only with a migration note.
/// </summary>
public sealed class WireNamesTests
{
    [Fact]
    public void Ups_status_tokens_are_frozen()
    {
        Assert.Equal(
            ["OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER", "TRIM", "BOOST", "FSD", "ALARM", "TEST"],
            UpsStatusTokens.Known.ToArray());
    }

    [Fact]
    public void Generator_state_values_are_frozen()
    {
        Assert.Equal(["stopped", "starting", "cranking", "warming", "available", "on-load", "cooling", "failed"], GeneratorStates.All.ToArray());
    }

    [Fact]
    public void Generator_mode_values_are_frozen()
    {
        Assert.Equal(["stop", "auto", "manual", "test-on-load", "auto-manual-restore", "user-configuration", "test-off-load", "off"], GeneratorModes.All.ToArray());
    }

    [Fact]
    public void Engine_state_values_are_frozen()
    {
        Assert.Equal(["stopped", "pre-start", "warming-up", "running", "cooling-down", "post-run"], EngineStates.All.ToArray());
    }

    [Fact]
    public void Input_source_and_outlet_status_values_are_frozen()
    {
        Assert.Equal(["0", "1", "2"], InputSources.All.ToArray());
        Assert.Equal(["on", "off"], OutletStates.All.ToArray());
    }

    [Fact]
    public void Alarm_condition_values_are_frozen_by_code()
    {
        Assert.Equal(
            ["disabled", "inactive", "warning", "shutdown", "electrical-trip", "controlled-shutdown", "reserved", "reserved",
             "indication-inactive", "indication-inactive-displayed", "indication-active", "reserved", "reserved", "reserved", "reserved",
             "unimplemented"],
            AlarmConditions.ByCode.ToArray());
    }

    [Fact]
    public void Quality_names_are_frozen()
    {
        Assert.Equal("good", Quality.Good.ToWireName());
        Assert.Equal("stale", Quality.Stale.ToWireName());
        Assert.Equal("bad", Quality.Bad.ToWireName());
        Assert.True(QualityNames.TryParse("stale", out var q));
        Assert.Equal(Quality.Stale, q);
        Assert.False(QualityNames.TryParse("Good", out _));
    }

    [Fact]
    public void Ups_status_change_causes_are_frozen()
    {
        Assert.Equal(31, UpsStatusChangeCauses.All.Length);
        Assert.Equal("system-init", UpsStatusChangeCauses.All[0]);
        Assert.Equal("ats-transfer", UpsStatusChangeCauses.All[24]);
        Assert.Equal("failure-bypass-expired", UpsStatusChangeCauses.All[30]);
    }

    [Fact]
    public void Profile_schema_names_are_frozen()
    {
        Assert.Equal("powerwatch-profile/1", Profiles.DeviceProfile.SchemaV1);
        Assert.Equal(["coil", "discrete", "holding", "input"], Profiles.ProfileLoader.TableNames.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["bitfield", "bool", "float32", "float64", "int16", "int32", "int64", "packed-alarms", "string", "uint16", "uint32", "uint64"],
            Profiles.ProfileLoader.TypeNames.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["ABCD", "BADC", "CDAB", "DCBA"], Profiles.ProfileLoader.WordOrderNames.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["ats", "generator", "meter", "pdu", "ups"], Profiles.ProfileLoader.KindNames.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Apc_smart_q_status_bits_map_to_nut_tokens()
    {
        // SPEC §6 Q bits: 0 CAL, 1 SmartTrim, 2 SmartBoost, 3 on line, 4 on battery, 5 overload, 6 battery low, 7 replace battery.
        Assert.Equal(["CAL", "TRIM", "BOOST", "OL", "OB", "OVER", "LB", "RB"], ApcSmartFields.StatusBits);
    }
}

public sealed class DeviceKindNamesTests
{
    [Fact]
    public void Device_kind_wire_names_are_frozen_and_round_trip()
    {
        foreach (var kind in Enum.GetValues<Profiles.DeviceKind>())
        {
            Assert.True(Profiles.DeviceKindNames.TryParse(Profiles.DeviceKindNames.ToWireName(kind), out var back));
            Assert.Equal(kind, back);
        }

        Assert.Equal(
            ["ups", "generator", "ats", "pdu", "meter"],
            Enum.GetValues<Profiles.DeviceKind>().Select(Profiles.DeviceKindNames.ToWireName).ToArray());
    }
}
