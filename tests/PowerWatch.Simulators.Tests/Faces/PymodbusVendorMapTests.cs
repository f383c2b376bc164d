using System.Globalization;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>
/// A third-party master (pymodbus) reads the ATS and PDU faces at the addresses the vendor documents give
/// (Socomec ATyS p M communication table; Raritan/Legrand Xerus Modbus application note) and decodes them itself:
/// the values are the documents' encodings of the model's state.
/// </summary>
public sealed class PymodbusVendorMapTests
{
    private const string Script = """
        import json, struct, sys
        from pymodbus.client import ModbusTcpClient
        def client(port):
            c = ModbusTcpClient("127.0.0.1", port=int(port), timeout=3)
            assert c.connect()
            return c
        def f32(regs, i):
            return struct.unpack(">f", struct.pack(">HH", regs[i], regs[i + 1]))[0]
        def u64(regs, i):
            return struct.unpack(">Q", struct.pack(">HHHH", *regs[i:i + 4]))[0]
        ats, pdu = client(sys.argv[1]), client(sys.argv[2])
        out = {}
        r = ats.read_holding_registers(50000, 5, slave=1)
        out["soco"] = struct.pack(">HHHH", *r.registers[:4]).rstrip(b"\0").decode("ascii")
        out["product_order_id"] = r.registers[4]
        out["ats_status"] = ats.read_holding_registers(0x5000, 15, slave=1).registers
        r = ats.read_holding_registers(0, 14, slave=1)
        out["ats_old_map_exception"] = r.exception_code if r.isError() else 0
        head = pdu.read_holding_registers(0, 5, slave=1).registers
        out["pdu_head"] = head
        inlet = pdu.read_holding_registers(0x3000, 0x26, slave=1).registers
        out["inlet"] = {"voltage": f32(inlet, 0x08), "current": f32(inlet, 0x0A), "power": f32(inlet, 0x12),
                        "frequency": f32(inlet, 0x22), "energy_wh": u64(inlet, 0x18)}
        out["outlets"] = []
        for n in range(1, head[3] + 1):
            o = pdu.read_holding_registers(0x8000 + (n - 1) * 0x100, 0x26, slave=1).registers
            out["outlets"].append({"current": f32(o, 0x0A), "power": f32(o, 0x12)})
        print(json.dumps(out))
        """;

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_reads_the_atys_and_xerus_maps_at_the_documented_addresses()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        host.Site.Utility.Fail();
        host.Site.RunFor(TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100));
        Assert.Equal(AtsPosition.Source2, host.Site.Ats.Position); // the outage is really in progress: on the generator

        var ports = new[] { "ats", "pdu1" }.Select(id => host.Device(id).Port().ToString(CultureInfo.InvariantCulture)).ToArray();
        var o = await FaceTestKit.RunPymodbusJsonAsync(Script, ports);

        var status = o.GetProperty("ats_status").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal("SOCO", o.GetProperty("soco").GetString());
        Assert.Equal(AtsFace.AtysProductOrderId, o.GetProperty("product_order_id").GetInt32());
        Assert.Equal(15, status.Length);
        Assert.Equal(0x0010, status[1]);  // 20481 operating mode: auto
        Assert.Equal(3, status[2]);       // 20482 switch position: position II (source 2)
        Assert.Equal(1, status[4]);       // 20484 source 2 start-generator relay: active
        Assert.Equal(0, status[6]);       // 20486 source 1: under threshold
        Assert.Equal(2, status[7]);       // 20487 source 2: available
        Assert.Equal(host.Site.Ats.TransferCount, status[9]); // 20489 cycle counter
        Assert.Equal(2, o.GetProperty("ats_old_map_exception").GetInt32()); // the retired map's address answers 02

        var pdu = host.Site.Pdus[0];
        var head = o.GetProperty("pdu_head").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var inlet = o.GetProperty("inlet");
        var outlets = o.GetProperty("outlets").EnumerateArray().ToArray();
        Assert.Equal([PduFace.RegisterSetVersion, 1, 0, pdu.Outlets.Count, 0], head);
        Assert.Equal((float)pdu.Voltage, (float)inlet.GetProperty("voltage").GetDouble());
        Assert.Equal((float)pdu.Current, (float)inlet.GetProperty("current").GetDouble());
        Assert.Equal((float)pdu.PowerW, (float)inlet.GetProperty("power").GetDouble());
        Assert.Equal((float)pdu.Frequency, (float)inlet.GetProperty("frequency").GetDouble());
        Assert.Equal(Math.Round(pdu.EnergyWh), inlet.GetProperty("energy_wh").GetDouble());
        Assert.Equal(pdu.Outlets.Count, outlets.Length);
        for (var i = 0; i < outlets.Length; i++)
        {
            Assert.Equal((float)pdu.Outlets[i].Current, (float)outlets[i].GetProperty("current").GetDouble());
            Assert.Equal((float)pdu.Outlets[i].PowerW, (float)outlets[i].GetProperty("power").GetDouble());
        }

        Assert.True(pdu.PowerW > 0 && pdu.Voltage > 200);
    }
}
