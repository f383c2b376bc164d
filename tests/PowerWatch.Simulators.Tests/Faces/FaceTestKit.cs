using PowerWatch.Core;
using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>Reads a face the way the agent does: the shipped profile, the planner, our client, Core's decoder.</summary>
internal static class FaceTestKit
{
    private static readonly Lazy<string> RepositoryRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PowerWatch.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("PowerWatch.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RepositoryRoot.Value;

    /// <summary>Loads agent/profiles/NAME.json with Core's loader; fails on any problem.</summary>
    public static async Task<DeviceProfile> LoadProfileAsync(string name)
    {
        var result = await ProfileLoader.LoadFileAsync(Path.Combine(Root, "agent", "profiles", name + ".json"), CancellationToken.None);
        Assert.True(result.Profile is not null, string.Join("; ", result.Problems.Select(p => p.ToString())));
        return result.Profile!;
    }

    /// <summary>
    /// One poll of every register of the profile (fast and slow classes), planned with the profile's workarounds as the
    /// agent plans it. Any exception reply fails the test (a planned block must never hit 02).
    /// </summary>
    public static async Task<Dictionary<string, Reading>> PollAsync(IModbusClient client, DeviceProfile profile, byte unitId, string device = "dut")
    {
        var blocks = new RegisterBlockSet();
        var options = new PlannerOptions { MaxRegistersPerRequest = profile.Workarounds.MaxRegistersPerRequest, MaxGap = profile.Workarounds.MaxGap };
        foreach (var group in profile.Registers.GroupBy(r => r.Table).OrderBy(g => g.Key))
        {
            var bits = group.Key is RegisterTable.Coil or RegisterTable.DiscreteInput;
            var tableOptions = bits ? options with { MaxRegistersPerRequest = ModbusLimits.MaxReadBits } : options;
            foreach (var range in ModbusRequestPlanner.Plan(group.Select(r => new ModbusRange((ushort)r.Address, r.Count)), tableOptions))
            {
                var count = (ushort)range.Count;
                try
                {
                    blocks.Add(group.Key switch
                    {
                        RegisterTable.HoldingRegister => RegisterBlock.FromRegisters(group.Key, range.Start, await client.ReadHoldingRegistersAsync(unitId, range.Start, count)),
                        RegisterTable.InputRegister => RegisterBlock.FromRegisters(group.Key, range.Start, await client.ReadInputRegistersAsync(unitId, range.Start, count)),
                        RegisterTable.Coil => RegisterBlock.FromBits(group.Key, range.Start, await client.ReadCoilsAsync(unitId, range.Start, count)),
                        _ => RegisterBlock.FromBits(group.Key, range.Start, await client.ReadDiscreteInputsAsync(unitId, range.Start, count)),
                    });
                }
                catch (ModbusException ex)
                {
                    Assert.Fail($"{profile.Id}: planned read {group.Key} {range.Start}+{range.Count} answered {ex.Message}");
                }
            }
        }

        var readings = new ProfileDecoder(profile, device).Decode(blocks, DateTimeOffset.UnixEpoch, 1);
        var byMetric = new Dictionary<string, Reading>(StringComparer.Ordinal);
        foreach (var r in readings)
        {
            byMetric[r.Metric] = r;
        }

        return byMetric;
    }

    public static double Number(this Dictionary<string, Reading> readings, string metric)
    {
        Assert.True(readings.TryGetValue(metric, out var r), $"no reading {metric}; have: {string.Join(", ", readings.Keys.Order())}");
        Assert.Equal(Quality.Good, r.Quality);
        Assert.True(r.Value.TryGetNumber(out var value), $"{metric} is {r.Value}, not a number");
        return value;
    }

    public static string Text(this Dictionary<string, Reading> readings, string metric)
    {
        Assert.True(readings.TryGetValue(metric, out var r), $"no reading {metric}; have: {string.Join(", ", readings.Keys.Order())}");
        Assert.Equal(Quality.Good, r.Quality);
        Assert.True(r.Value.TryGetText(out var value), $"{metric} is {r.Value}, not text");
        return value;
    }

    public static bool Bool(this Dictionary<string, Reading> readings, string metric)
    {
        Assert.True(readings.TryGetValue(metric, out var r), $"no reading {metric}; have: {string.Join(", ", readings.Keys.Order())}");
        Assert.Equal(Quality.Good, r.Quality);
        return r.Value.Boolean;
    }

    public static string[] StatusTokens(this Dictionary<string, Reading> readings) => readings.Text("ups.status").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A site on a stepped clock, served on loopback TCP by a <see cref="Simulators.Faces.SiteHost"/>.</summary>
    public static Task<Simulators.Faces.SiteHost> StartSteppedHostAsync(SiteDescription? description = null, Simulators.Faces.FaceTransport transport = Simulators.Faces.FaceTransport.Tcp) =>
        Simulators.Faces.SiteHost.StartAsync(new Simulators.Faces.SiteHostOptions
        {
            Site = description ?? new SiteDescription(),
            Clock = SimulationClock.CreateStepped(),
            DefaultTransport = transport,
        }, CancellationToken.None);

    public static ModbusTcpClient Connect(Simulators.Faces.SimulatedDevice device, TimeSpan? timeout = null, int retries = 0)
    {
        var port = int.Parse(device.Endpoint[(device.Endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return new ModbusTcpClient("127.0.0.1", port, new ModbusClientOptions { Timeout = timeout ?? TimeSpan.FromSeconds(2), Retries = retries });
    }

    /// <summary>
    /// Runs a pymodbus script (Debian's python3; a missing peer throws, so a PeerFact fails under CI) with
    /// <paramref name="args"/> and returns the last JSON object it printed; a non-zero exit fails the test.
    /// </summary>
    public static async Task<System.Text.Json.JsonElement> RunPymodbusJsonAsync(string script, params string[] args)
    {
        using var temp = new TestSupport.TempDir();
        var path = temp.File("peer.py");
        await File.WriteAllTextAsync(path, script);
        var (code, output) = await TestSupport.PeerProcess.RunAsync(TestSupport.Peers.Require("python:pymodbus"), [path, .. args], TimeSpan.FromSeconds(30));
        Assert.True(code == 0, output);
        using var json = System.Text.Json.JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{')));
        return json.RootElement.Clone();
    }

    public static int Port(this Simulators.Faces.SimulatedDevice device) =>
        int.Parse(device.Endpoint[(device.Endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
