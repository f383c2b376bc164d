using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PowerWatch.Modbus;
using PowerWatch.Serial;
using PowerWatch.Simulators.Faces;

namespace PowerWatch.Simulators.Tests.Faces;

public sealed class FaultAndTransportTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    [Theory]
    [InlineData("delay 5s", typeof(ModbusTimeoutException))]
    [InlineData("timeout", typeof(ModbusTimeoutException))]
    [InlineData("truncate", typeof(ModbusTimeoutException))]
    [InlineData("wrong-tid", typeof(ModbusProtocolException))]
    [InlineData("garbage", typeof(ModbusProtocolException))]
    [InlineData("crc", null)]
    public async Task Tcp_fault_is_seen_by_our_client_and_clearing_it_restores_normal_replies(string fault, Type? expected)
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var ups = host.Device("ups");
        var good = await ReadRuntimeBlockAsync(ups);

        ups.Faults.Set(fault);
        Exception? error = null;
        ushort[]? spoiled = null;
        await using (var client = FaceTestKit.Connect(ups, TimeSpan.FromSeconds(1)))
        {
            try
            {
                spoiled = await client.ReadHoldingRegistersAsync(1, 128, 3);
            }
            catch (ModbusCommunicationException ex)
            {
                error = ex;
            }
        }

        ups.Faults.Clear();
        var after = await ReadRuntimeBlockAsync(ups);

        if (expected is null)
        {
            // Modbus TCP has no checksum: the face flips the last PDU byte, so the client gets a wrong value.
            Assert.Null(error);
            Assert.NotEqual(good, spoiled);
            Assert.Equal((ushort)(good[2] ^ 0xFF), spoiled![2]);
        }
        else
        {
            Assert.IsType(expected, error);
        }

        Assert.Equal(1, ups.Faults.Injected);
        Assert.Equal(good, after);
    }

    [Fact]
    public async Task Exception_fault_06_reaches_the_client_as_server_busy()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var ups = host.Device("ups");
        ups.Faults.Set("busy");
        await using var client = FaceTestKit.Connect(ups);

        var ex = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 128, 3));

        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, ex.ExceptionCode);
    }

    [Fact]
    public async Task Drop_fault_closes_the_connection_and_the_client_reconnects_after_it_is_cleared()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var ups = host.Device("ups");
        await using var client = FaceTestKit.Connect(ups);
        await client.ReadHoldingRegistersAsync(1, 128, 3);

        ups.Faults.Set("drop");
        var ex = await Assert.ThrowsAnyAsync<ModbusCommunicationException>(async () => await client.ReadHoldingRegistersAsync(1, 128, 3));
        ups.Faults.Clear();
        var values = await client.ReadHoldingRegistersAsync(1, 128, 3);

        Assert.IsNotType<ModbusException>(ex);
        Assert.Equal(3, values.Length);
        Assert.True(ups.Server.Statistics.Connections >= 2);
    }

    [Fact]
    public async Task Drip_fault_still_delivers_a_correct_reply_byte_by_byte()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var ups = host.Device("ups");
        var good = await ReadRuntimeBlockAsync(ups);
        ups.Faults.Set("drip 5ms");

        var dripped = await ReadRuntimeBlockAsync(ups);

        Assert.Equal(good, dripped);
        Assert.Equal(1, ups.Faults.Injected);
    }

    [Fact]
    public async Task Crc_fault_on_rtu_over_tcp_is_rejected_by_our_client()
    {
        var description = new SiteDescription();
        await using var host = await FaceTestKit.StartSteppedHostAsync(description, FaceTransport.RtuOverTcp);
        var ats = host.Device("ats");
        Assert.StartsWith("rtu+tcp://127.0.0.1:", ats.Endpoint, StringComparison.Ordinal);
        await using var client = new ModbusRtuOverTcpClient("127.0.0.1", ats.Port(), new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(2), Retries = 0 });
        var good = await client.ReadHoldingRegistersAsync(1, AtsFace.StatusBlock, AtsFace.StatusWords);

        ats.Faults.Set("crc");
        var ex = await Assert.ThrowsAnyAsync<ModbusCommunicationException>(async () => await client.ReadHoldingRegistersAsync(1, AtsFace.StatusBlock, AtsFace.StatusWords));

        Assert.IsNotType<ModbusException>(ex);
        Assert.Equal(2, good[2]); // ATyS p M switch position 2 = position I (source 1)
    }

    [Fact]
    public async Task Every_device_answers_its_profile_over_rtu_over_tcp()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync(null, FaceTransport.RtuOverTcp);
        host.Site.RunFor(TimeSpan.FromSeconds(2), Step);

        foreach (var device in host.Devices)
        {
            var profile = await FaceTestKit.LoadProfileAsync(device.Profile);
            await using var client = new ModbusRtuOverTcpClient("127.0.0.1", device.Port(), new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(2) });
            var r = await FaceTestKit.PollAsync(client, profile, device.UnitId);
            Assert.True(r.Count > 5, $"{device.Id}: {r.Count} readings");
        }
    }

    [Fact]
    public async Task Devices_share_one_paced_rtu_bus_on_a_pty_with_distinct_unit_ids()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync(null, FaceTransport.Rtu);
        host.Site.RunFor(TimeSpan.FromSeconds(2), Step);
        var bus = host.RtuBus!;
        var endpoints = host.Devices.Select(d => d.Endpoint).Distinct().ToList();
        var units = host.Devices.Select(d => d.UnitId).ToList();
        await using var port = SerialPort.Open(new SerialPortSettings { PortName = bus.SlavePath, BaudRate = 9600 });
        await using var client = new ModbusRtuClient(port.Stream, new ModbusSerialLine(9600), new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(2) }, leaveOpen: true);

        var ups = await FaceTestKit.PollAsync(client, await FaceTestKit.LoadProfileAsync("apc-smart-ups-modbus"), host.Device("ups").UnitId);
        var pdu = await FaceTestKit.PollAsync(client, await FaceTestKit.LoadProfileAsync("raritan-xerus-pdu"), host.Device("pdu2").UnitId);

        Assert.Single(endpoints);
        Assert.Equal($"serial://{bus.SlavePath}", endpoints[0]);
        Assert.StartsWith("serial:///dev/pts/", endpoints[0], StringComparison.Ordinal);
        Assert.Equal(units.Count, units.Distinct().Count());
        Assert.Equal(host.Site.Ups.ChargePercent, ups.Number("battery.charge"), 1.0 / 512);
        Assert.Equal(host.Site.Pdus[1].Outlets.Count, pdu.Number("outlet.count"));
        Assert.Equal((float)host.Site.Pdus[1].PowerW, (float)pdu.Number("input.realpower"));
    }

    [Fact]
    public async Task Agent_configuration_lists_every_endpoint_with_its_profile_and_the_site_chain()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();

        using var json = JsonDocument.Parse(host.ToAgentConfigurationJson());

        var root = json.RootElement.GetProperty("PowerWatch");
        var devices = root.GetProperty("Devices").EnumerateArray().ToList();
        Assert.Equal(host.Devices.Count, devices.Count);
        foreach (var (d, e) in host.Devices.Zip(devices))
        {
            Assert.Equal(d.Id, e.GetProperty("Id").GetString());
            Assert.Equal(d.Kind, e.GetProperty("Kind").GetString());
            Assert.Equal(d.Endpoint, e.GetProperty("Endpoint").GetString());
            Assert.Equal(d.UnitId, e.GetProperty("UnitId").GetInt32());
            Assert.True(File.Exists(Path.Combine(FaceTestKit.Root, "agent", "profiles", e.GetProperty("Profile").GetString() + ".json")));
            Assert.Matches(@"^tcp://127\.0\.0\.1:\d+$", d.Endpoint);
        }

        Assert.Equal(new[] { "ups", "generator", "ats", "pdu", "pdu", "meter" }, devices.Select(e => e.GetProperty("Kind").GetString() ?? "").ToArray());
        var ats = root.GetProperty("Topology").GetProperty("Ats")[0];
        Assert.Equal("ats", ats.GetProperty("Id").GetString());
        Assert.Equal("generator", ats.GetProperty("Generator").GetString());
        Assert.Equal(new[] { "ups" }, ats.GetProperty("Feeds").EnumerateArray().Select(x => x.GetString() ?? "").ToArray());
        var ups = root.GetProperty("Topology").GetProperty("Ups")[0];
        Assert.Equal(new[] { "pdu1", "pdu2" }, ups.GetProperty("Pdus").EnumerateArray().Select(x => x.GetString() ?? "").ToArray());
    }

    [Fact]
    public async Task Base_port_puts_the_tcp_devices_on_consecutive_ports_in_site_order()
    {
        var (host, basePort) = await StartOnFreeBlockAsync();
        await using (host)
        {
            Assert.Equal(
                ["ups", "generator", "ats", "pdu1", "pdu2", "meter"],
                host.Devices.Select(d => d.Id));
            Assert.Equal(
                host.Devices.Select((_, i) => $"tcp://127.0.0.1:{basePort + i}"),
                host.Devices.Select(d => d.Endpoint));

            // The generated agent configuration names the same fixed endpoints, and they answer.
            using var config = JsonDocument.Parse(host.ToAgentConfigurationJson());
            Assert.Equal(
                host.Devices.Select(d => d.Endpoint),
                config.RootElement.GetProperty("PowerWatch").GetProperty("Devices").EnumerateArray().Select(d => d.GetProperty("Endpoint").GetString()));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", basePort + 5);
        }
    }

    [Fact]
    public async Task Serial_ups_face_follows_the_tcp_devices_and_the_agent_configuration_reads_the_ups_there()
    {
        var (host, basePort) = await StartOnFreeBlockAsync(UpsSerialProtocol.ApcSmart);
        await using (host)
        {
            // The Modbus faces keep their ports; the APC Smart face takes the next one.
            Assert.Equal($"tcp://127.0.0.1:{basePort}", host.Device("ups").Endpoint);
            Assert.Equal($"tcp://127.0.0.1:{basePort + 6}", host.SerialUps!.Server.Endpoint);
            Assert.Contains($"tcp://127.0.0.1:{basePort + 6}", host.DescribeEndpoints(), StringComparison.Ordinal);

            using var config = JsonDocument.Parse(host.ToAgentConfigurationJson());
            var devices = config.RootElement.GetProperty("PowerWatch").GetProperty("Devices").EnumerateArray().ToList();
            var ups = devices.Single(d => d.GetProperty("Id").GetString() == "ups");
            Assert.Equal("apc-smart", ups.GetProperty("Input").GetString());
            Assert.Equal($"tcp://127.0.0.1:{basePort + 6}", ups.GetProperty("Endpoint").GetString());
            Assert.False(ups.TryGetProperty("Profile", out _));
            Assert.All(devices.Where(d => d.GetProperty("Id").GetString() != "ups"), d => Assert.Equal("modbus", d.GetProperty("Input").GetString()));

            // It speaks the APC Smart protocol: Y enters smart mode ("SM"), Q gives the status byte (08 = on line).
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", basePort + 6);
            var stream = client.GetStream();
            async Task<string> AskAsync(char command)
            {
                await stream.WriteAsync(new[] { (byte)command });
                var reply = new StringBuilder();
                var buffer = new byte[64];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                while (!reply.ToString().EndsWith("\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, timeout.Token);
                    Assert.True(n > 0, "the serial face closed the connection");
                    reply.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                return reply.ToString();
            }

            Assert.Equal("SM\r\n", await AskAsync('Y'));
            Assert.Equal("08\r\n", await AskAsync('Q'));
        }
    }

    [Fact]
    public async Task Base_port_block_with_a_port_in_use_fails_and_releases_the_ports_it_took()
    {
        var basePort = FreeBlock();
        using var squatter = new TcpListener(System.Net.IPAddress.Loopback, basePort + 2);
        squatter.Start();

        await Assert.ThrowsAsync<SocketException>(() => SiteHost.StartAsync(new SiteHostOptions { BasePort = basePort }, CancellationToken.None));

        // The UPS and generator servers started before the failure are closed again.
        foreach (var port in new[] { basePort, basePort + 1 })
        {
            using var again = new TcpListener(System.Net.IPAddress.Loopback, port);
            again.Start();
        }
    }

    /// <summary>A host on a block of consecutive free ports (retried: another process may take one meanwhile).</summary>
    private static async Task<(SiteHost Host, int BasePort)> StartOnFreeBlockAsync(UpsSerialProtocol upsSerial = UpsSerialProtocol.None)
    {
        for (var attempt = 0; ; attempt++)
        {
            var basePort = FreeBlock(upsSerial == UpsSerialProtocol.None ? 6 : 7);
            try
            {
                return (await SiteHost.StartAsync(new SiteHostOptions { BasePort = basePort, UpsSerial = upsSerial }, CancellationToken.None), basePort);
            }
            catch (SocketException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports that were free a moment ago (20000–30500, below the ephemeral range).</summary>
    private static int FreeBlock(int count = 6)
    {
        for (var basePort = 20_000 + Random.Shared.Next(0, 1_500) * 7; ; basePort += count)
        {
            var listeners = new List<TcpListener>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var l = new TcpListener(System.Net.IPAddress.Loopback, basePort + i);
                    l.Start();
                    listeners.Add(l);
                }

                return basePort;
            }
            catch (SocketException)
            {
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
                listeners.ForEach(l => l.Dispose());
            }
        }
    }

    [Fact]
    public async Task Live_host_integrates_physics_on_its_own_at_the_speed_factor()
    {
        await using var host = await SiteHost.StartAsync(new SiteHostOptions { Speed = 50 }, CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);

        while (host.Site.Elapsed < TimeSpan.FromSeconds(5) && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
            await Task.Delay(20);
        }

        Assert.True(host.Site.Elapsed >= TimeSpan.FromSeconds(5), $"virtual time only reached {host.Site.Elapsed}");
        Assert.False(host.Site.Clock.IsStepped);
    }

    [Fact]
    public async Task Control_commands_drive_the_model_and_the_fault_switches()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var control = new SiteControl(host);

        var fail = control.Execute("utility.fail");
        var genFault = control.Execute("generator.fault fail-to-start");
        var delay = control.Execute("fault ups delay 2s");
        var unknownDevice = control.Execute("fault nosuch crc");
        var unknownVerb = control.Execute("utility.explode");
        var bad = control.Execute("bogus");
        var status = control.Execute("status");

        Assert.Equal("ok\n", fail);
        Assert.Equal(UtilityCondition.Blackout, host.Site.Utility.Condition);
        Assert.Equal("ok\n", genFault);
        Assert.Equal(GeneratorFault.FailToStart, host.Site.Generator.InjectedFault);
        Assert.EndsWith("ok\n", delay, StringComparison.Ordinal);
        Assert.Equal(new FaultSetting(FaultKind.Delay, TimeSpan.FromSeconds(2)), host.Device("ups").Faults.Current);
        Assert.StartsWith("error:", unknownDevice, StringComparison.Ordinal);
        Assert.StartsWith("error:", unknownVerb, StringComparison.Ordinal);
        Assert.StartsWith("error:", bad, StringComparison.Ordinal);
        Assert.Contains("Blackout", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_server_answers_line_commands_on_loopback()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var server = ControlServer.Start(host);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", server.Port);
        var stream = tcp.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);

        await stream.WriteAsync(Encoding.UTF8.GetBytes("fault ats busy\nutility.fail\n"));
        var lines = new List<string>();
        while (lines.Count(l => l == "ok") < 2 && await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        Assert.Equal(["ats fault exception 06", "ok", "ok"], lines);
        Assert.Equal(UtilityCondition.Blackout, host.Site.Utility.Condition);
        Assert.Equal(FaultKind.Exception, host.Device("ats").Faults.Current.Kind);
    }

    [Fact]
    public async Task Control_client_sends_one_command_and_returns_the_reply_up_to_ok_or_error()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        await using var server = ControlServer.Start(host);

        Assert.Equal(["ats fault exception 06", "ok"], await ControlClient.SendAsync(server.Port, "fault ats busy", CancellationToken.None));
        Assert.Equal(["ok"], await ControlClient.SendAsync(server.Port, "utility.fail", CancellationToken.None));
        Assert.Equal(UtilityCondition.Blackout, host.Site.Utility.Condition);
        var error = Assert.Single(await ControlClient.SendAsync(server.Port, "frobnicate", CancellationToken.None));
        Assert.StartsWith("error: unknown command 'frobnicate'", error, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ControlClient.SendAsync(server.Port, "a\nb", CancellationToken.None));
    }

    [Fact]
    public async Task Scenario_player_fires_timed_events_on_the_site_clock()
    {
        await using var host = await FaceTestKit.StartSteppedHostAsync();
        var scenario = Scenarios.ScenarioParser.Parse("at 2s utility.fail\nat 4s generator.fault fail-to-start\nrun 10s\n", "t");
        var log = new List<string>();
        var play = ScenarioPlayer.PlayAsync(host.Site, scenario, line => { lock (log) { log.Add(line); } }, CancellationToken.None);

        host.Site.RunFor(TimeSpan.FromSeconds(1), Step);
        var before = host.Site.Utility.Condition;
        host.Site.RunFor(TimeSpan.FromSeconds(4), Step);
        await play.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(UtilityCondition.Normal, before);
        Assert.Equal(UtilityCondition.Blackout, host.Site.Utility.Condition);
        Assert.Equal(GeneratorFault.FailToStart, host.Site.Generator.InjectedFault);
        Assert.Equal(2, log.Count);
    }

    [Theory]
    [InlineData("none", FaultKind.None, "none")]
    [InlineData("delay 2s", FaultKind.Delay, "delay 2s")]
    [InlineData("delay 250ms", FaultKind.Delay, "delay 250ms")]
    [InlineData("timeout", FaultKind.NoResponse, "timeout")]
    [InlineData("crc", FaultKind.CorruptChecksum, "crc")]
    [InlineData("exception 06", FaultKind.Exception, "exception 06")]
    [InlineData("busy", FaultKind.Exception, "exception 06")]
    [InlineData("wrong-tid", FaultKind.WrongTransactionId, "wrong-tid")]
    [InlineData("truncate", FaultKind.Truncate, "truncate")]
    [InlineData("garbage", FaultKind.Garbage, "garbage")]
    [InlineData("drop", FaultKind.Drop, "drop")]
    [InlineData("drip 5ms", FaultKind.Drip, "drip 5ms")]
    public void Fault_text_parses_and_prints_back(string text, FaultKind kind, string printed)
    {
        var setting = FaultSwitch.Parse(text);

        Assert.Equal(kind, setting.Kind);
        Assert.Equal(printed, setting.ToString());
        Assert.Equal(setting, FaultSwitch.Parse(setting.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("delay")]
    [InlineData("delay -1s")]
    [InlineData("delay soon")]
    [InlineData("exception 0")]
    [InlineData("exception")]
    [InlineData("crc now")]
    [InlineData("explode")]
    public void Bad_fault_text_is_rejected(string text)
    {
        Assert.Throws<FormatException>(() => FaultSwitch.Parse(text));
    }

    private static async Task<ushort[]> ReadRuntimeBlockAsync(SimulatedDevice ups)
    {
        await using var client = FaceTestKit.Connect(ups);
        return await client.ReadHoldingRegistersAsync(1, 128, 3);
    }
}
