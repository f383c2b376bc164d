using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class ShippedProfilesTests
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Repo.Profiles, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    [Fact]
    public void The_documented_profiles_ship()
    {
        var names = Directory.EnumerateFiles(Repo.Profiles, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[]
            {
                "apc-powernet-ups.json", "apc-rack-ats.json", "apc-rpdu.json", "apc-rpdu2.json", "apc-smart-ups-modbus.json", "dse-gencomm.json",
                "eastron-sdm630.json", "eaton-ats16.json", "eaton-epdu-marlin.json", "ietf-ups-mib.json", "raritan-px-pdu2-mib.json",
                "raritan-xerus-pdu.json", "servertech-sentry4.json", "socomec-atys-pm.json",
            },
            names);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Shipped_profile_loads_without_problems(string file)
    {
        var result = await ProfileLoader.LoadFileAsync(Path.Combine(Repo.Profiles, file), CancellationToken.None);
        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Problems));
        Assert.Equal(Path.GetFileNameWithoutExtension(file), result.Profile!.Id);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_metric_a_shipped_profile_names_is_in_the_catalogue_with_its_unit(string file)
    {
        var profile = Shipped.Load(file);
        foreach (var r in profile.Registers)
        {
            var names = new List<string>();
            if (r.Metric is not null)
            {
                names.Add(r.Type == RegisterType.PackedAlarms ? r.Metric : r.Metric);
            }

            names.AddRange(r.Bits.Where(b => b.Metric is not null).Select(b => b.Metric!));
            foreach (var name in names)
            {
                Assert.True(MetricCatalog.TryFind(name, out var def), $"{file}: {name} not in catalogue");
                if (name == r.Metric)
                {
                    Assert.Equal(def.Unit, r.Unit);
                }
            }
        }

        foreach (var d in profile.Derived)
        {
            Assert.True(MetricCatalog.Contains(d.Metric), d.Metric);
        }

        var snmp = profile.Snmp?.Objects.Concat(profile.Snmp.Tables.SelectMany(t => t.Columns)) ?? [];
        foreach (var o in snmp)
        {
            foreach (var name in (o.Metrics?.Values ?? []).Append(o.Metric).OfType<string>())
            {
                Assert.True(MetricCatalog.TryFind(name, out var def), $"{file}: {name} not in catalogue");
                Assert.Equal(def.Unit, o.Unit);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Decoding_an_all_zero_poll_of_a_shipped_profile_emits_only_catalogued_metrics(string file)
    {
        var profile = Shipped.Load(file);
        if (profile.Protocol == ProfileProtocol.Snmp)
        {
            // SNMP profiles are decoded by the snmp input; their readings are checked against recordings there.
            return;
        }

        var blocks = profile.Registers
            .Select(r => r.Table is RegisterTable.Coil or RegisterTable.DiscreteInput
                ? Decoding.RegisterBlock.FromBits(r.Table, r.Address, new bool[r.Count])
                : Decoding.RegisterBlock.FromRegisters(r.Table, r.Address, new ushort[r.Count]));
        var readings = Decode.Run(profile, blocks);
        Assert.NotEmpty(readings);
        foreach (var reading in readings)
        {
            Assert.True(MetricCatalog.TryFind(reading.Metric, out var def), $"{file}: emitted {reading.Metric} which is not catalogued");
            Assert.Equal(def.Unit, reading.Unit);
            if (reading.Quality != Quality.Good)
            {
                // A sentinel (e.g. the ATyS switch position 0 "Unknown") gives a bad reading without a value.
                Assert.True(reading.Value.IsNone, $"{file}: bad-quality {reading.Metric} carries a value");
                continue;
            }

            var kindOk = def.Kind switch
            {
                MetricKind.Number => reading.Value.Kind == ReadingValueKind.Number,
                MetricKind.Boolean => reading.Value.Kind == ReadingValueKind.Boolean,
                _ => reading.Value.Kind == ReadingValueKind.Text,
            };
            Assert.True(kindOk, $"{file}: {reading.Metric} is {reading.Value.Kind}, catalogue says {def.Kind}");
            if (!def.Values.IsDefaultOrEmpty && def.Kind == MetricKind.Text)
            {
                Assert.Contains(reading.Value.Text, def.Values);
            }
        }
    }

    [Fact]
    public void Apc_nameplate_registers_are_slow_class_and_status_registers_fast()
    {
        var apc = Shipped.Load("apc-smart-ups-modbus.json");
        Assert.All(apc.Registers.Where(r => r.Address >= 516), r => Assert.Equal(PollClass.Slow, r.Class));
        Assert.All(apc.Registers.Where(r => r.Address < 133), r => Assert.Equal(PollClass.Fast, r.Class));
    }
}

public sealed class ProfileDirectoryTests
{
    [Fact]
    public async Task Loading_a_directory_reports_each_file_separately()
    {
        using var dir = new PowerWatch.TestSupport.TempDir();
        File.Copy(Path.Combine(Repo.Profiles, "socomec-atys-pm.json"), dir.File("a-good.json"));
        await File.WriteAllTextAsync(dir.File("b-bad.json"), """{ "schema": "powerwatch-profile/1" }""");
        await File.WriteAllTextAsync(dir.File("notes.txt"), "not a profile");

        var results = await ProfileLoader.LoadDirectoryAsync(dir.Path, CancellationToken.None);

        Assert.Equal(2, results.Length);
        Assert.True(results[0].Succeeded);
        Assert.False(results[1].Succeeded);
        Assert.All(results[1].Problems, p => Assert.Equal("b-bad.json", p.File));
        Assert.Contains(results[1].Problems, p => p.Path == "$.registers");
    }
}
