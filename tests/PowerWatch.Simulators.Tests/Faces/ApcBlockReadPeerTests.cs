using System.Globalization;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>
/// pymodbus, a third-party master, reads the APC face the way NUT's apc_modbus driver does (SPEC-DEVICES §2.1):
/// status (0, 27), dynamic (128, 44) and static (1026, 22) blocks, one request each. The static block spans
/// undefined registers 1045–1047; APC 990-9840 note 4 says they read as 0 because the read starts on a defined
/// register, so the block is answered and ups.status can be built. A read starting on an undefined register still
/// answers exception 02.
/// </summary>
public sealed class ApcBlockReadPeerTests
{
    private const string Script = """
        import json, sys
        from pymodbus.client import ModbusTcpClient
        c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=3)
        assert c.connect()
        # SPEC-DEVICES 2.3, UPSStatus_BF bit -> NUT token (bits 5, 6 and 15 are flags, not tokens, here)
        TOKENS = {1: "OL", 2: "OB", 3: "BYPASS", 4: "OFF", 7: "TEST", 21: "OVER"}
        def block(start, count):
            r = c.read_holding_registers(start, count, slave=1)
            if r.isError():
                return {"exception": r.exception_code}
            assert len(r.registers) == count, (start, count, len(r.registers))
            return {"registers": r.registers}
        status, dynamic, static = block(0, 27), block(128, 44), block(1026, 22)
        s, d, t = status["registers"], dynamic["registers"], static["registers"]
        bits = (s[0] << 16) | s[1]
        tokens = sorted({tok for bit, tok in TOKENS.items() if bits >> bit & 1})
        if s[18] & 2: tokens.append("LB")
        out = {
            "status_bf": bits, "simple_signaling": s[18], "ups_status": " ".join(tokens),
            "runtime": (d[0] << 16) | d[1], "charge_x512": d[2],
            "battery_maintenance_days": d[133 - 128],
            "transfer_high": t[0], "transfer_low": t[1], "mog_shutdown_delay": t[1029 - 1026],
            "undefined_tail": t[1045 - 1026:],
            "starts_undefined_27": block(27, 5).get("exception"),
            "starts_undefined_1045": block(1045, 3).get("exception"),
        }
        c.close()
        print(json.dumps(out))
        """;

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_reads_the_nut_static_block_1026_to_1047_in_one_request_and_decodes_ups_status()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var site = host.Site;
        site.RunFor(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
        var onlineRuntime = (long)Math.Floor(site.Ups.ReportedRuntimeSeconds);
        var port = host.Device("ups").Port().ToString(CultureInfo.InvariantCulture);

        var online = await FaceTestKit.RunPymodbusJsonAsync(Script, port);
        site.Utility.Fail();
        site.RunFor(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100));
        var outageRuntime = (long)Math.Floor(site.Ups.ReportedRuntimeSeconds);
        var outage = await FaceTestKit.RunPymodbusJsonAsync(Script, port);

        // UPSStatus_BF (regs 0-1, §2.3): bit 1 OL online; bit 2 OB on battery with bit 6 input not acceptable.
        // Reg 18 SimpleSignalingStatus_BF bit 0 = power failure.
        Assert.Equal(1 << 1, online.GetProperty("status_bf").GetInt32());
        Assert.Equal("OL", online.GetProperty("ups_status").GetString());
        Assert.Equal(0, online.GetProperty("simple_signaling").GetInt32());
        Assert.Equal((1 << 2) | (1 << 6), outage.GetProperty("status_bf").GetInt32());
        Assert.Equal("OB", outage.GetProperty("ups_status").GetString());
        Assert.Equal(1, outage.GetProperty("simple_signaling").GetInt32());

        // Dynamic block (§2.2): 128-129 runtime s; 130 charge ÷512 (full: 100 % = 51200); 133 battery maintenance date,
        // days since 2000: the clock starts 2026-01-01, the date is a year earlier, 2025-01-01 = day 9132.
        Assert.Equal(onlineRuntime, online.GetProperty("runtime").GetInt64());
        Assert.Equal(outageRuntime, outage.GetProperty("runtime").GetInt64());
        Assert.Equal(51200, online.GetProperty("charge_x512").GetInt32());
        Assert.True(outage.GetProperty("charge_x512").GetInt32() < 51200);
        Assert.Equal(9132, online.GetProperty("battery_maintenance_days").GetInt32());
        Assert.Equal(9132, outage.GetProperty("battery_maintenance_days").GetInt32());

        // Static block (§2.2): 1026 / 1027 transfer high / low V (230 V × 1.15 and × 0.85, rounded), 1029 MOG shutdown
        // delay 20 s; 1045-1047 are undefined on this unit (MOG only) and read as 0 (990-9840 note 4).
        Assert.Equal(264, online.GetProperty("transfer_high").GetInt32());
        Assert.Equal(196, online.GetProperty("transfer_low").GetInt32());
        Assert.Equal(20, online.GetProperty("mog_shutdown_delay").GetInt32());
        Assert.Equal([0, 0, 0], online.GetProperty("undefined_tail").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        // A read starting on an undefined register is refused with exception 02 (illegal data address).
        Assert.Equal(2, online.GetProperty("starts_undefined_27").GetInt32());
        Assert.Equal(2, online.GetProperty("starts_undefined_1045").GetInt32());
    }
}
