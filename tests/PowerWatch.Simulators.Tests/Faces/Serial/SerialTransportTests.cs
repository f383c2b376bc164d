using System.Net.Sockets;
using System.Text;
using PowerWatch.Simulators.Faces;
using PowerWatch.Simulators.Faces.Serial;

namespace PowerWatch.Simulators.Tests.Faces.Serial;

/// <summary>The faces on loopback TCP (port 0), paced at 2400 baud on the real clock (a 47-byte reply takes ~0.2 s).</summary>
public sealed class SerialTransportTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static Site NewSite()
    {
        var site = Site.Create(TestSites.Quiet(generator: new GeneratorOptions { InitialMode = GeneratorMode.Stop }));
        site.SetUpsLoadPercent(40);
        site.RunFor(TimeSpan.FromSeconds(1), TestSites.Step);
        return site;
    }

    private static async Task<(TcpClient Client, NetworkStream Stream)> ConnectAsync(SerialFaceServer server)
    {
        Assert.NotEqual(0, server.Port);
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port);
        return (client, client.GetStream());
    }

    private static async Task<byte[]> ReadAsync(NetworkStream stream, int count)
    {
        var buffer = new byte[count];
        using var cts = new CancellationTokenSource(Bound);
        await stream.ReadExactlyAsync(buffer, cts.Token);
        return buffer;
    }

    private static Task SendAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    [Fact]
    public async Task Q1_face_answers_over_tcp_with_the_same_bytes_as_the_protocol()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        Assert.StartsWith("tcp://127.0.0.1:", server.Endpoint);
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        await SendAsync(stream, "Q1\rI\r");
        Assert.Equal(face.Execute("Q1"u8), await ReadAsync(stream, 47));
        Assert.Equal(face.Execute("I"u8), await ReadAsync(stream, 39));
    }

    [Fact]
    public async Task Smart_face_sends_the_line_fail_alert_to_a_client_in_smart_mode()
    {
        var site = NewSite();
        using var face = new ApcSmartFace(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        await SendAsync(stream, "Y");
        Assert.Equal("SM\r\n", Encoding.ASCII.GetString(await ReadAsync(stream, 4)));
        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.Equal("!", Encoding.ASCII.GetString(await ReadAsync(stream, 1)));
        await SendAsync(stream, "Q");
        Assert.Equal("10\r\n", Encoding.ASCII.GetString(await ReadAsync(stream, 4)));
    }

    [Fact]
    public async Task No_response_fault_swallows_replies_until_cleared()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        face.Faults.Set(new FaultSetting(FaultKind.NoResponse));
        await SendAsync(stream, "Q1\rF\rQ\r");

        // The beeper toggle (no reply) is processed after Q1 and F: once the model shows it, both replies were swallowed.
        var deadline = DateTime.UtcNow + Bound;
        while (site.Read(s => s.Ups.BeeperOn) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.False(site.Read(s => s.Ups.BeeperOn));
        face.Faults.Clear();
        await SendAsync(stream, "I\r");
        Assert.Equal(face.Execute("I"u8), await ReadAsync(stream, 39));
    }

    [Fact]
    public async Task Garbage_fault_prepends_the_garbage_bytes()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        face.Faults.Set("garbage");
        await SendAsync(stream, "I\r");
        var received = await ReadAsync(stream, FaultSwitch.GarbageBytes.Length + 39);
        Assert.Equal(FaultSwitch.GarbageBytes.ToArray(), received[..FaultSwitch.GarbageBytes.Length]);
        Assert.Equal(face.Execute("I"u8), received[FaultSwitch.GarbageBytes.Length..]);
    }

    [Fact]
    public async Task Truncate_fault_sends_the_first_half_of_each_reply()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        face.Faults.Set("truncate");
        await SendAsync(stream, "Q1\rI\r");
        var received = await ReadAsync(stream, 23 + 19);
        Assert.Equal(face.Execute("Q1"u8)![..23], received[..23]);
        Assert.Equal(face.Execute("I"u8)![..19], received[23..]);
    }

    [Fact]
    public async Task Drip_fault_still_delivers_the_whole_reply()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        face.Faults.Set("drip 2ms");
        await SendAsync(stream, "F\r");
        Assert.Equal(face.Execute("F"u8), await ReadAsync(stream, 22));
    }

    [Fact]
    public async Task Drop_fault_closes_the_tcp_connection()
    {
        var site = NewSite();
        using var face = new ApcSmartFace(site);
        await using var server = await face.StartTcpAsync();
        var (client, stream) = await ConnectAsync(server);
        using var _c = client;

        face.Faults.Set("drop");
        await SendAsync(stream, "Y");
        using var cts = new CancellationTokenSource(Bound);
        Assert.Equal(0, await stream.ReadAsync(new byte[16], cts.Token));
    }

    [Fact]
    public async Task Pty_server_exposes_a_slave_path_and_no_port()
    {
        var site = NewSite();
        var face = new MegatecQ1Face(site);
        await using var server = await face.StartPtyAsync();
        Assert.StartsWith("/dev/pts/", server.SlavePath);
        Assert.Equal(0, server.Port);
        Assert.Equal(2400, server.Settings.BaudRate);
        Assert.Equal("serial://" + server.PeerPath, server.Endpoint);
    }
}
