using PowerWatch.Core;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Inputs.Snmp;

/// <summary>
/// The shipped UPS profiles against walks recorded from real devices (testdata/README.md), served by snmpsimd.
/// Each expected value is the raw recorded value scaled as the MIB defines it (the raw value in the comment).
/// </summary>
public sealed class SnmpRecordingTests
{
    private static Dictionary<string, Reading> ByMetric(IReadOnlyList<Reading> readings)
    {
        Assert.All(readings, r => Assert.Equal(Quality.Good, r.Quality));
        Assert.All(readings, r => Assert.True(MetricCatalog.TryFind(r.Metric, out var def) && def.Unit == r.Unit, $"{r.Metric} [{r.Unit}] not catalogued with that unit"));
        return readings.ToDictionary(r => r.Metric, StringComparer.Ordinal);
    }

    private static void Number(Dictionary<string, Reading> readings, string metric, double expected)
    {
        Assert.True(readings.TryGetValue(metric, out var r), $"no {metric} in: {string.Join(", ", readings.Keys.Order(StringComparer.Ordinal))}");
        Assert.True(r.Value.TryGetNumber(out var n), $"{metric} is not a number");
        Assert.Equal(expected, n, 6);
    }

    private static void Text(Dictionary<string, Reading> readings, string metric, string expected)
    {
        Assert.True(readings.TryGetValue(metric, out var r), $"no {metric}");
        Assert.Equal(expected, r.Value.Text);
    }

    [PeerFact("snmpsimd")]
    public async Task Ietf_ups_mib_profile_reads_the_Eaton_9PX_recording_with_the_rfc_1628_scaling()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px");

        var r = ByMetric(await Snmpsimd.PollAsync(input));

        Text(r, "ups.mfr", "EATON");
        Text(r, "ups.model", "Eaton 9PX 1000i RT 2U");
        Text(r, "ups.firmware", "INV: 01.16.4638");
        Text(r, "ups.status", "OL");                 // upsOutputSource 3 normal, upsBatteryStatus 2 normal
        Number(r, "battery.runtime", 1080);          // upsEstimatedMinutesRemaining 18 min
        Number(r, "battery.charge", 91);             // upsEstimatedChargeRemaining 91 %
        Number(r, "battery.voltage", 55.0);          // upsBatteryVoltage 550 (0.1 V DC)
        Number(r, "battery.temperature", 0);         // upsBatteryTemperature 0 °C
        Number(r, "input.frequency", 50.0);          // upsInputFrequency.1 500 (0.1 Hz)
        Number(r, "input.voltage", 228);             // upsInputVoltage.1 228 V RMS
        Number(r, "output.frequency", 50.0);         // upsOutputFrequency 500 (0.1 Hz)
        Number(r, "output.voltage", 230);            // upsOutputVoltage.1 230 V
        Number(r, "output.current", 1.7);            // upsOutputCurrent.1 17 (0.1 A)
        Number(r, "ups.realpower", 360);             // upsOutputPower.1 360 W
        Number(r, "ups.load", 40);                   // upsOutputPercentLoad.1 40 %
        Text(r, "ups.test.result", "Done and passed"); // upsTestResultsSummary 1 donePass
        Number(r, "output.voltage.nominal", 230);    // upsConfigOutputVoltage 230
        Number(r, "ups.power.nominal", 1000);        // upsConfigOutputVA 1000
        Number(r, "ups.realpower.nominal", 1000);    // upsConfigOutputPower 1000
        Assert.Equal(20, r.Count);
    }

    [PeerFact("snmpsimd")]
    public async Task Apc_powernet_profile_reads_the_NMC2_recording_from_the_high_precision_objects()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("apc-powernet-ups.json", "apc-smt750x-nmc2");

        var r = ByMetric(await Snmpsimd.PollAsync(input));

        Text(r, "ups.model", "Smart-UPS X 750");
        Text(r, "ups.firmware", "UPS 09.8 (ID20)");   // recorded with a trailing blank
        Text(r, "ups.serial", "AS1907242163");
        Text(r, "ups.status", "OL");                 // upsBasicOutputStatus 2 onLine; replace indicator 1; no upsBasicBatteryStatus in this firmware
        Number(r, "battery.charge", 100.0);          // upsHighPrecBatteryCapacity 1000 (0.1 %)
        Number(r, "battery.temperature", 22.8);      // upsHighPrecBatteryTemperature 228 (0.1 °C)
        Number(r, "battery.runtime", 109762);        // upsAdvBatteryRunTimeRemaining 10976200 TimeTicks (0.01 s)
        Number(r, "battery.voltage", 54.7);          // upsHighPrecBatteryActualVoltage 547 (0.1 V)
        Number(r, "input.voltage", 120.0);           // upsHighPrecInputLineVoltage 1200 (0.1 V)
        Number(r, "input.frequency", 60.0);          // upsHighPrecInputFrequency 600 (0.1 Hz)
        Number(r, "output.voltage", 120.0);          // upsHighPrecOutputVoltage 1200
        Number(r, "output.frequency", 60.0);         // upsHighPrecOutputFrequency 600
        Number(r, "ups.load", 0);                    // upsHighPrecOutputLoad 0
        Number(r, "output.current", 0);              // upsHighPrecOutputCurrent 0

        // Not in this card's walk (and no fallback answers): no reading, not a zero.
        Assert.DoesNotContain("input.transfer.reason", r.Keys);
        Assert.DoesNotContain("ups.test.result", r.Keys);
        Assert.Equal(14, r.Count);
    }

    [PeerFact("snmpsimd")]
    public async Task Apc_powernet_profile_reads_the_NMC3_recording()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("apc-powernet-ups.json", "apc-smtl1000-nmc3");

        var r = ByMetric(await Snmpsimd.PollAsync(input));

        Text(r, "ups.model", "Smart-UPS 1000");
        Text(r, "ups.status", "OL");
        Number(r, "battery.charge", 100.0);          // 1000
        Number(r, "battery.temperature", 28.0);      // 280
        Number(r, "battery.runtime", 1522);          // 152200 TimeTicks
        Number(r, "battery.voltage", 40.8);          // 408
        Number(r, "input.voltage", 118.0);           // 1180
        Number(r, "ups.load", 37.8);                 // 378
        Number(r, "output.current", 3.0);            // 30
    }

    [PeerFact("snmpsimd")]
    public async Task A_fast_poll_leaves_out_the_slow_nameplate_objects()
    {
        await using var sim = await Snmpsimd.StartAsync();
        await using var input = sim.Input("ietf-ups-mib.json", "eaton-9px");

        var r = ByMetric(await Snmpsimd.PollAsync(input, includeSlow: false));

        Assert.DoesNotContain("ups.model", r.Keys);
        Assert.DoesNotContain("ups.power.nominal", r.Keys);
        Assert.Contains("battery.charge", r.Keys);
    }
}
