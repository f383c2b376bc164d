using System.Globalization;
using System.Text.Json;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>
/// A third-party master (pymodbus) reads the generator, ATS and meter maps during an outage; the decoded values
/// equal the model's state (the APC and PDU maps are read by mbpoll, the ATS and PDU vendor maps in full by in <see cref="PeerTests"/>; <see cref="PymodbusVendorMapTests"/>).
/// </summary>
public sealed class PymodbusMapTests
{
    private const string Script = """
        import json, struct, sys
        from pymodbus.client import ModbusTcpClient
        def client(port):
            c = ModbusTcpClient("127.0.0.1", port=int(port), timeout=3)
            assert c.connect()
            return c
        gen, ats, meter = (client(p) for p in sys.argv[1:4])
        out = {}
        r = gen.read_holding_registers(772, 1, slave=1); out["mode"] = r.registers[0]
        r = gen.read_holding_registers(1408, 1, slave=1); out["engine_state"] = r.registers[0]
        r = gen.read_holding_registers(1024, 8, slave=1)
        out["fuel"] = r.registers[3]; out["speed"] = r.registers[6]; out["frequency_x10"] = r.registers[7]
        r = ats.read_holding_registers(20486, 2, slave=1); out["ats_source_states"] = r.registers
        r = ats.read_holding_registers(20482, 1, slave=1); out["ats_position"] = r.registers[0]
        r = meter.read_input_registers(0x34, 2, slave=1)
        out["meter_power"] = struct.unpack(">f", struct.pack(">HH", r.registers[0], r.registers[1]))[0]
        print(json.dumps(out))
        """;

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_reads_generator_ats_and_meter_maps_with_the_model_values()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        host.Site.Utility.Fail();
        host.Site.RunFor(TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, (int)host.Site.Ats.Position); // the outage is really in progress: on the generator

        var ports = new[] { "generator", "ats", "meter" }.Select(id => host.Device(id).Port().ToString(CultureInfo.InvariantCulture)).ToArray();
        var o = await FaceTestKit.RunPymodbusJsonAsync(Script, ports);

        var g = host.Site.Generator;
        Assert.Equal((int)g.Mode, o.GetProperty("mode").GetInt32());
        Assert.Equal((int)g.EngineState, o.GetProperty("engine_state").GetInt32());
        Assert.Equal((int)Math.Round(g.FuelPercent), o.GetProperty("fuel").GetInt32());
        Assert.Equal((int)Math.Round(g.EngineSpeed), o.GetProperty("speed").GetInt32());
        Assert.Equal(g.Frequency * 10, o.GetProperty("frequency_x10").GetInt32(), 0.6);
        Assert.Equal([0, 2], o.GetProperty("ats_source_states").EnumerateArray().Select(e => e.GetInt32()).ToArray()); // source 1 under threshold, source 2 available
        Assert.Equal(3, o.GetProperty("ats_position").GetInt32()); // ATyS p M switch position 3 = position II
        Assert.Equal(host.Site.Meter!.PowerW, o.GetProperty("meter_power").GetDouble(), 0.5);
        Assert.True(host.Site.Meter.PowerW > 0);
    }
}
