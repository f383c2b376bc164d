using System.Globalization;
using System.Text.RegularExpressions;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Simulators.Tests.Faces;

/// <summary>Real third-party Modbus masters (mbpoll = libmodbus, pymodbus) against our faces.</summary>
public sealed partial class PeerTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(20);

    [PeerFact("mbpoll")]
    public async Task Mbpoll_reads_the_apc_runtime_block_over_tcp_with_the_model_values()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        host.Site.Ups.SetRuntimeBias(1.4);
        host.Site.RunFor(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
        var ups = host.Device("ups");

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-m", "tcp", "-p", ups.Port().ToString(CultureInfo.InvariantCulture), "-a", "1", "-t", "4", "-0", "-r", "128", "-c", "3", "-1", "127.0.0.1"], PeerTimeout);

        Assert.True(code == 0, output);
        AssertRuntimeBlock(host, Registers(output));
    }

    [PeerFact("mbpoll")]
    public async Task Mbpoll_reads_the_apc_runtime_block_over_rtu_on_the_pty_with_the_model_values()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync(null, FaceTransport.Rtu);
        host.Site.RunFor(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
        var ups = host.Device("ups");

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-m", "rtu", "-b", "9600", "-P", "none", "-a", ups.UnitId.ToString(CultureInfo.InvariantCulture), "-t", "4", "-0", "-r", "128", "-c", "3", "-1", host.RtuBus!.SlavePath], PeerTimeout);

        Assert.True(code == 0, output);
        AssertRuntimeBlock(host, Registers(output));
    }

    [PeerFact("mbpoll")]
    public async Task Mbpoll_reads_the_xerus_outlet_count_and_float_inlet_voltage_over_rtu_at_another_unit_id()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync(null, FaceTransport.Rtu);
        host.Site.RunFor(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(100));
        var pdu = host.Device("pdu1");
        Assert.NotEqual(1, pdu.UnitId);

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-m", "rtu", "-b", "9600", "-P", "none", "-a", pdu.UnitId.ToString(CultureInfo.InvariantCulture), "-t", "4", "-0", "-r", "3", "-c", "1", "-1", host.RtuBus!.SlavePath], PeerTimeout);
        // Xerus: float32 big-endian (mbpoll -B: high word first) at 0x3008, inlet 1 RMS voltage.
        var (floatCode, floatOutput) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-m", "rtu", "-b", "9600", "-P", "none", "-a", pdu.UnitId.ToString(CultureInfo.InvariantCulture), "-t", "4:float", "-B", "-0", "-r", "12296", "-c", "1", "-1", host.RtuBus!.SlavePath], PeerTimeout);

        Assert.True(code == 0, output);
        Assert.True(floatCode == 0, floatOutput);
        Assert.Equal(host.Site.Pdus[0].Outlets.Count, Registers(output)[0]);
        var volts = FloatLine().Match(floatOutput);
        Assert.True(volts.Success, floatOutput);
        Assert.Equal((float)host.Site.Pdus[0].Voltage, float.Parse(volts.Groups[1].Value, CultureInfo.InvariantCulture), 0.001f);
    }

    [PeerTheory("mbpoll")]
    [InlineData("timeout", "tcp", "failed: Connection timed out")]
    [InlineData("timeout", "rtu", "failed: Connection timed out")]
    [InlineData("busy", "tcp", "failed: Slave device or server is busy")]
    [InlineData("exception 04", "tcp", "failed: Slave device or server failure")]
    [InlineData("drop", "tcp", "failed: Connection reset by peer")]
    [InlineData("crc", "rtu", "failed: Invalid CRC")]
    [InlineData("wrong-tid", "tcp", "failed: Invalid data")]
    public async Task Mbpoll_sees_each_transport_fault(string fault, string mode, string message)
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync(null, mode == "rtu" ? FaceTransport.Rtu : FaceTransport.Tcp);
        var ups = host.Device("ups");
        ups.Faults.Set(fault);
        string[] target = mode == "rtu"
            ? ["-m", "rtu", "-b", "9600", "-P", "none", host.RtuBus!.SlavePath]
            : ["-m", "tcp", "-p", ups.Port().ToString(CultureInfo.InvariantCulture), "127.0.0.1"];

        var (code, output) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-a", ups.UnitId.ToString(CultureInfo.InvariantCulture), "-t", "4", "-0", "-r", "128", "-c", "3", "-1", "-o", "2", .. target], PeerTimeout);
        ups.Faults.Clear();
        var (codeAfter, outputAfter) = await PeerProcess.RunAsync(Peers.Require("mbpoll"),
            ["-a", ups.UnitId.ToString(CultureInfo.InvariantCulture), "-t", "4", "-0", "-r", "128", "-c", "3", "-1", .. target], PeerTimeout);

        Assert.True(Registers(output).Length == 0, $"mbpoll read values despite '{fault}':\n{output}");
        Assert.Contains(message, output, StringComparison.OrdinalIgnoreCase);
        Assert.True(ups.Faults.Injected >= 1);
        Assert.True(codeAfter == 0, outputAfter);
        Assert.Equal(3, Registers(outputAfter).Length);
        _ = code;
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_writes_the_dse_key_pair_and_a_wrong_complement_gets_exception_03()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var generator = host.Device("generator");
        using var temp = new TempDir();
        var script = temp.File("keys.py");
        await File.WriteAllTextAsync(script, """
            import sys
            from pymodbus.client import ModbusTcpClient
            c = ModbusTcpClient("127.0.0.1", port=int(sys.argv[1]), timeout=3)
            assert c.connect()
            def write(key, second):
                r = c.write_registers(4104, [key, second], slave=1)
                print("exception" if r.isError() else "ok", getattr(r, "exception_code", "-"))
            write(35702, 29832)          # wrong complement for Manual (35702 -> 29833)
            write(35702, 65535 - 35702)  # Manual mode
            write(35705, 65535 - 35705)  # Start engine
            c.close()
            """);

        var (code, output) = await PeerProcess.RunAsync(Peers.DebianPython, [script, generator.Port().ToString(CultureInfo.InvariantCulture)], PeerTimeout);
        var modeAfterWrites = host.Site.Generator.Mode;
        host.Site.RunFor(TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(100));

        Assert.True(code == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["exception 3", "ok -", "ok -"], lines.Where(l => l.StartsWith("ok", StringComparison.Ordinal) || l.StartsWith("exception", StringComparison.Ordinal)).ToArray());
        Assert.Equal(GeneratorMode.Manual, modeAfterWrites);
        Assert.Equal(1, generator.Face.CommandsRejected);
        Assert.Equal(2, generator.Face.CommandsAccepted);
        Assert.Equal(EngineOperatingState.Running, host.Site.Generator.EngineState);
    }

    private static void AssertRuntimeBlock(SiteHost host, int[] registers)
    {
        var u = host.Site.Ups;
        var runtime = (uint)Math.Floor(u.ReportedRuntimeSeconds);
        Assert.Equal(3, registers.Length);
        Assert.Equal((int)(runtime >> 16), registers[0]);
        Assert.Equal((int)(runtime & 0xFFFF), registers[1]);
        Assert.Equal((int)Math.Round(u.ChargePercent * 512), registers[2]);
    }

    /// <summary>mbpoll prints <c>[addr]: value</c> per register (16-bit values as signed decimals).</summary>
    private static int[] Registers(string output) =>
        RegisterLine().Matches(output).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) & 0xFFFF).ToArray();

    [GeneratedRegex(@"^\[\d+\]:\s+(-?\d+)", RegexOptions.Multiline)]
    private static partial Regex RegisterLine();

    [GeneratedRegex(@"^\[12296\]:\s+(-?\d+(?:\.\d+)?)", RegexOptions.Multiline)]
    private static partial Regex FloatLine();
}
