using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Tests;

public sealed class DecoderRobustnessTests
{
    [Theory]
    [MemberData(nameof(ShippedProfilesTests.Files), MemberType = typeof(ShippedProfilesTests))]
    public void Random_register_data_never_throws_and_only_yields_catalogued_metrics(string file)
    {
        var profile = Shipped.Load(file);
        var random = new Random(20261121); // fixed seed: reproducible
        var decoder = new ProfileDecoder(profile, "fuzz");
        for (var round = 0; round < 200; round++)
        {
            var blocks = new List<RegisterBlock>();
            foreach (var r in profile.Registers)
            {
                if (random.Next(10) == 0)
                {
                    continue; // some registers not read
                }

                if (random.Next(20) == 0)
                {
                    blocks.Add(RegisterBlock.Failed(r.Table, r.Address, r.Count));
                }
                else if (r.Table is RegisterTable.Coil or RegisterTable.DiscreteInput)
                {
                    blocks.Add(RegisterBlock.FromBits(r.Table, r.Address, new[] { random.Next(2) == 1 }));
                }
                else
                {
                    var regs = new ushort[r.Count];
                    for (var i = 0; i < regs.Length; i++)
                    {
                        regs[i] = (ushort)random.Next(65536);
                    }

                    blocks.Add(RegisterBlock.FromRegisters(r.Table, r.Address, regs));
                }
            }

            var readings = decoder.Decode(new RegisterBlockSet(blocks), Decode.At, round);
            foreach (var reading in readings)
            {
                Assert.True(MetricCatalog.Contains(reading.Metric), reading.Metric);
                Assert.Equal(round, reading.Sequence);
                if (reading.Quality == Quality.Good)
                {
                    Assert.False(reading.Value.IsNone, reading.Metric);
                    if (reading.Value.TryGetNumber(out var n))
                    {
                        Assert.True(double.IsFinite(n), reading.Metric);
                    }
                }
                else
                {
                    Assert.True(reading.Value.IsNone, reading.Metric);
                }
            }
        }
    }

    [Fact]
    public void Float_nan_is_reported_as_a_bad_value()
    {
        var meter = Shipped.Load("eastron-sdm630.json");
        var r = Decode.Run(meter, [RegisterBlock.FromRegisters(RegisterTable.InputRegister, 0, new ushort[] { 0x7FC0, 0x0000 })]);
        var v = r.Single("input.L1-N.voltage");
        Assert.Equal(Quality.Bad, v.Quality);
        Assert.True(v.Value.IsNone);
    }

    [Fact]
    public void Register_block_lookups_respect_table_and_bounds()
    {
        var set = new RegisterBlockSet([RegisterBlock.FromRegisters(RegisterTable.HoldingRegister, 10, new ushort[] { 1, 2, 3 })]);
        Assert.Equal(RegisterLookup.Present, set.TryGetRegisters(RegisterTable.HoldingRegister, 11, 2, out var regs));
        Assert.Equal(new ushort[] { 2, 3 }, regs.ToArray());
        Assert.Equal(RegisterLookup.Missing, set.TryGetRegisters(RegisterTable.HoldingRegister, 12, 2, out _));
        Assert.Equal(RegisterLookup.Missing, set.TryGetRegisters(RegisterTable.InputRegister, 10, 1, out _));
        Assert.Throws<ArgumentException>(() => RegisterBlock.FromRegisters(RegisterTable.Coil, 0, new ushort[1]));
    }
}
