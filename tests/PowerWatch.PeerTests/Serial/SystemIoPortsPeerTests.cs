using System.Text;
using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.SerialUps.MegatecQ1;
using PowerWatch.TestSupport;
using DotnetSerialPort = System.IO.Ports.SerialPort;

namespace PowerWatch.PeerTests.Serial;

/// <summary>
/// Issue 17: System.IO.Ports (the runtime's own termios code, which nobody here wrote) on the far end of a socat
/// pseudo-terminal pair, answering our serial port (PowerWatch.Serial) as a device would: a Modbus RTU slave with
/// CRCs computed here, independently of our codec, and a Megatec UPS answering Q1. What our side decodes is asserted.
/// On Windows the same exchange would run over a virtual COM pair; there is no Windows CI today.
/// </summary>
public sealed class SystemIoPortsPeerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>CRC-16/MODBUS (Modbus over Serial Line V1.02, §6.2.2: init 0xFFFF, reflected polynomial 0xA001), low byte first on the wire.</summary>
    internal static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }
        }

        return crc;
    }

    private static byte[] WithCrc(params byte[] frame)
    {
        var crc = Crc16(frame);
        return [.. frame, (byte)(crc & 0xFF), (byte)(crc >> 8)];
    }

    /// <summary>System.IO.Ports opened on the peer end of the pair (the link resolved to its /dev/pts/N), 8N1.</summary>
    private static DotnetSerialPort OpenPeer(PtyPair pty)
    {
        var path = new FileInfo(pty.PeerSide).ResolveLinkTarget(true)?.FullName ?? pty.PeerSide;
        var port = new DotnetSerialPort(path, 115200, System.IO.Ports.Parity.None, 8, System.IO.Ports.StopBits.One)
        {
            ReadTimeout = (int)Patience.TotalMilliseconds,
            WriteTimeout = (int)Patience.TotalMilliseconds,
        };
        port.Open();
        return port;
    }

    private static byte[] ReadExactly(DotnetSerialPort port, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            read += port.Read(buffer, read, count - read);
        }

        return buffer;
    }

    [Fact]
    public void Test_crc_matches_the_well_known_read_holding_registers_frame()
    {
        // 11 03 00 6B 00 03 + CRC 76 87: the read-holding-registers request of the Modbus Application Protocol
        // V1.1b3 §6.3 example (registers 108–110) addressed to slave 17, as printed in RTU references.
        Assert.Equal(new byte[] { 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87 }, WithCrc(0x11, 0x03, 0x00, 0x6B, 0x00, 0x03));
    }

    [PeerFact("socat")]
    public async Task Rtu_client_on_our_serial_port_reads_holding_registers_from_a_System_IO_Ports_slave()
    {
        using var dir = new TempDir("powerwatch-sioports-rtu");
        await using var pty = await PtyPair.StartAsync(dir.Path);
        using var slave = OpenPeer(pty);
        await using var ours = OurSide.RtuClient(pty.OurSide);

        // The slave: read the 8-byte request, check it byte for byte and by CRC, answer the §6.3 example values
        // (108 = 0x022B, 109 = 0x0000, 110 = 0x0064) with a CRC computed here.
        var slaveSide = Task.Run(() =>
        {
            var request = ReadExactly(slave, 8);
            var reply = WithCrc(0x11, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64);
            slave.Write(reply, 0, reply.Length);
            return request;
        });

        var values = await ours.Client.ReadHoldingRegistersAsync(0x11, 0x006B, 3).AsTask().WaitAsync(Patience);
        var request = await slaveSide.WaitAsync(Patience);

        Assert.Equal(new byte[] { 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87 }, request);
        Assert.Equal(Crc16(request.AsSpan(0, 6)), (ushort)(request[6] | (request[7] << 8)));
        Assert.Equal(new ushort[] { 0x022B, 0x0000, 0x0064 }, values);
    }

    [PeerFact("socat")]
    public async Task Q1_sent_on_our_serial_port_is_answered_by_a_System_IO_Ports_ups_and_decoded()
    {
        using var dir = new TempDir("powerwatch-sioports-q1");
        await using var pty = await PtyPair.StartAsync(dir.Path);
        using var ups = OpenPeer(pty);
        await using var ours = OurSide.OpenSerial(pty.OurSide);

        // The UPS: one command line up to CR, answered with the Megatec protocol document's Q1 example
        // ("(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000<cr>": b5 bypass/boost/buck active, b4 UPS failed).
        var upsSide = Task.Run(() =>
        {
            var command = ups.ReadTo("\r");
            var reply = Encoding.ASCII.GetBytes("(208.4 140.0 208.4 034 59.9 2.05 35.0 00110000\r");
            ups.Write(reply, 0, reply.Length);
            return command;
        });

        await ours.Stream.WriteAsync(MegatecQ1Protocol.Command("Q1"));
        await ours.Stream.FlushAsync();
        var line = new List<byte>();
        var one = new byte[64];
        using (var timeout = new CancellationTokenSource(Patience))
        {
            while (!line.Contains((byte)'\r'))
            {
                var n = await ours.Stream.ReadAsync(one, timeout.Token);
                Assert.True(n > 0, "our port reached end of stream");
                line.AddRange(one.AsSpan(0, n));
            }
        }

        Assert.Equal("Q1", await upsSide.WaitAsync(Patience));
        Assert.Equal(MegatecQ1Protocol.StatusLength + 1, line.Count);
        var status = MegatecQ1Protocol.ParseStatus(line.ToArray().AsSpan(0, line.Count - 1));
        Assert.Equal(new MegatecQ1Status(208.4, 140.0, 208.4, 34, 59.9, 2.05, 35.0, 0b0011_0000), status);
        Assert.False(status.UtilityFail);
        Assert.True(status.BypassBoostOrBuck);
        Assert.True(status.UpsFailed);
        Assert.False(status.BeeperOn);
    }
}
