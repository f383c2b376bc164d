using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PowerWatch.TestSupport;

namespace PowerWatch.Modbus.Tests;

public sealed class TcpTransportTests
{
    private static ModbusDataStore NewStore()
    {
        var store = new ModbusDataStore();
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, Enumerable.Range(0, 200).Select(i => (ushort)(i * 3)).ToArray());
        store.SetRegisters(ModbusTable.InputRegisters, 100, [0x4366, 0x0000]);
        store.SetBits(ModbusTable.Coils, 0, Enumerable.Range(0, 40).Select(i => i % 3 == 0).ToArray());
        store.SetBits(ModbusTable.DiscreteInputs, 10, [true, false, true]);
        return store;
    }

    private static async Task<ModbusTcpServer> StartAsync(IModbusRequestHandler handler, ModbusServerOptions? options = null, ModbusTcpFraming framing = ModbusTcpFraming.Mbap)
    {
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), handler, options, framing);
        await server.StartAsync();
        return server;
    }

    private static ModbusClientOptions Fast(int retries = 0) => new() { Timeout = TimeSpan.FromSeconds(5), Retries = retries };

    [Fact]
    public async Task Every_function_code_round_trips_between_our_client_and_server()
    {
        var store = NewStore();
        var handler = new ModbusDataStoreHandler(store, 1);
        handler.SetDeviceIdObject(0, "PowerWatch");
        handler.SetDeviceIdObject(1, "PW-SIM");
        handler.SetDeviceIdObject(2, "1.0");
        handler.SetDeviceIdObject(4, new string('N', 200)); // forces a second page for Regular
        await using var server = await StartAsync(handler);
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast());

        Assert.Equal(new ushort[] { 30, 33, 36 }, await client.ReadHoldingRegistersAsync(1, 10, 3));
        Assert.Equal(new ushort[] { 0x4366, 0 }, await client.ReadInputRegistersAsync(1, 100, 2)); // float32 230.0, ABCD
        var buffer = new ushort[2];
        await client.ReadInputRegistersAsync(1, 100, buffer);
        Assert.Equal(new ushort[] { 0x4366, 0 }, buffer);
        await client.ReadHoldingRegistersAsync(1, 0, buffer.AsMemory());
        Assert.Equal(new ushort[] { 0, 3 }, buffer);
        Assert.Equal(new[] { true, false, false, true, false }, await client.ReadCoilsAsync(1, 0, 5));
        Assert.Equal(new[] { true, false, true }, await client.ReadDiscreteInputsAsync(1, 10, 3));

        await client.WriteSingleCoilAsync(1, 1, true);
        await client.WriteSingleRegisterAsync(1, 5, 0xBEEF);
        await client.WriteMultipleCoilsAsync(1, 20, new[] { true, true, false });
        await client.WriteMultipleRegistersAsync(1, 50, new ushort[] { 7, 8, 9 });
        Assert.True(store.GetBit(ModbusTable.Coils, 1));
        Assert.Equal(0xBEEF, store.GetRegister(ModbusTable.HoldingRegisters, 5));
        Assert.Equal(new[] { true, true, false }, await client.ReadCoilsAsync(1, 20, 3));
        Assert.Equal(new ushort[] { 7, 8, 9 }, await client.ReadHoldingRegistersAsync(1, 50, 3));

        Assert.Equal(new ushort[] { 1, 2, 165 }, await client.ReadWriteMultipleRegistersAsync(1, 53, 3, 53, new ushort[] { 1, 2 }));

        var basic = await client.ReadDeviceIdentificationAsync(1);
        Assert.Equal("PowerWatch", basic.VendorName);
        Assert.Equal("PW-SIM", basic.ProductCode);
        Assert.Equal("1.0", basic.MajorMinorRevision);
        Assert.Equal(0x83, basic.ConformityLevel);
        var regular = await client.ReadDeviceIdentificationAsync(1, DeviceIdCategory.Regular);
        Assert.Equal(4, regular.Objects.Count);
        Assert.Equal(new string('N', 200), regular.ProductName);
        var one = await client.ReadDeviceIdentificationAsync(1, DeviceIdCategory.Specific, 2);
        Assert.Equal("1.0", Assert.Single(one.Objects).Text);
        Assert.Equal(0, client.Statistics.Retries);
    }

    [Fact]
    public async Task Exception_reply_raises_ModbusException_is_not_retried_and_the_client_stays_usable()
    {
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()));
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast(retries: 2));
        var e = await Assert.ThrowsAsync<ModbusException>(async () => await client.ReadHoldingRegistersAsync(1, 1000, 2));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, e.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, e.FunctionCode);
        Assert.Equal(0, client.Statistics.Retries);
        Assert.Equal(1, server.Statistics.Requests);
        Assert.Equal(new ushort[] { 0 }, await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Server_busy_fault_gives_exception_06()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { ExceptionCode = ModbusExceptionCode.ServerDeviceBusy } : null);
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast(retries: 2));
        var e = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 0, 1));
        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, e.ExceptionCode);
        await client.WriteSingleRegisterAsync(1, 0, 1);
    }

    [Theory]
    [InlineData("tid", ModbusProtocolError.WrongTransactionId)]
    [InlineData("unit", ModbusProtocolError.WrongUnitId)]
    public async Task Reply_with_a_foreign_transaction_or_unit_id_is_rejected_and_the_next_request_works(string what, ModbusProtocolError kind)
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber != 1 ? null
            : what == "tid" ? new ModbusFault { TransactionId = (ushort)(c.TransactionId + 7) } : new ModbusFault { UnitId = 9 });
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast());
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await client.ReadHoldingRegistersAsync(1, 0, 2));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(new ushort[] { 0, 3 }, await client.ReadHoldingRegistersAsync(1, 0, 2));
    }

    [Fact]
    public async Task A_garbled_first_reply_is_retried_and_the_retry_is_counted()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { TransactionId = 4242 } : null);
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast(retries: 2));
        Assert.Equal(new ushort[] { 3 }, await client.ReadHoldingRegistersAsync(1, 1, 1));
        Assert.Equal(1, client.Statistics.Retries);
        Assert.Equal(1, client.Statistics.ProtocolErrors);
        Assert.Equal(2, client.Statistics.Connects); // the garbled connection was closed and reopened
    }

    [Fact]
    public async Task Wrong_byte_count_in_a_reply_is_a_protocol_error()
    {
        await using var peer = new RawTcpPeer();
        await using var client = new ModbusTcpClient(peer.EndPoint, Fast());
        var call = client.ReadHoldingRegistersAsync(1, 0, 2).AsTask();
        using var socket = await peer.AcceptAsync();
        var request = await RawTcpPeer.ReceiveAsync(socket, 12);
        var tid = (ushort)((request[0] << 8) | request[1]);
        await socket.SendAsync(TestBytes.Tcp(tid, 1, "03 02 0001"));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.WrongByteCount, e.Kind);
    }

    [Fact]
    public async Task Reply_with_protocol_id_other_than_zero_is_rejected()
    {
        await using var peer = new RawTcpPeer();
        await using var client = new ModbusTcpClient(peer.EndPoint, Fast());
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        using var socket = await peer.AcceptAsync();
        var request = await RawTcpPeer.ReceiveAsync(socket, 12);
        var reply = TestBytes.Tcp((ushort)((request[0] << 8) | request[1]), 1, "03 02 0001");
        reply[3] = 1; // protocol id 1
        await socket.SendAsync(reply);
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.WrongProtocolId, e.Kind);
    }

    [Fact]
    public async Task Wrong_function_code_in_a_reply_is_rejected()
    {
        await using var peer = new RawTcpPeer();
        await using var client = new ModbusTcpClient(peer.EndPoint, Fast());
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        using var socket = await peer.AcceptAsync();
        var request = await RawTcpPeer.ReceiveAsync(socket, 12);
        await socket.SendAsync(TestBytes.Tcp((ushort)((request[0] << 8) | request[1]), 1, "04 02 0001"));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.WrongFunctionCode, e.Kind);
    }

    [Fact]
    public async Task Peer_closing_mid_frame_gives_a_truncated_frame_and_the_client_reconnects_for_the_next_request()
    {
        await using var peer = new RawTcpPeer();
        await using var client = new ModbusTcpClient(peer.EndPoint, Fast());
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        using (var socket = await peer.AcceptAsync())
        {
            var request = await RawTcpPeer.ReceiveAsync(socket, 12);
            var reply = TestBytes.Tcp((ushort)((request[0] << 8) | request[1]), 1, "03 02 0001");
            await socket.SendAsync(reply.AsMemory(0, 8));
            socket.Shutdown(SocketShutdown.Both);
        }

        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.TruncatedFrame, e.Kind);
        Assert.False(client.IsConnected);

        var next = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        using var second = await peer.AcceptAsync();
        var again = await RawTcpPeer.ReceiveAsync(second, 12);
        await second.SendAsync(TestBytes.Tcp((ushort)((again[0] << 8) | again[1]), 1, "03 02 00 2A"));
        Assert.Equal(new ushort[] { 42 }, await next);
        Assert.Equal(2, client.Statistics.Connects);
    }

    [Fact]
    public async Task Peer_that_never_answers_times_out_through_the_time_provider_with_every_retry_counted()
    {
        var time = new ManualTimeProvider();
        var arrived = new SemaphoreSlim(0);
        var faults = new DelegateFaultInjector(_ =>
        {
            arrived.Release();
            return new ModbusFault { NoReply = true };
        });
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 2, TimeProvider = time });
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.True(await arrived.WaitAsync(TimeSpan.FromSeconds(10)), $"attempt {attempt} did not reach the server");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var e = await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        Assert.Equal(0, e.BytesReceived);
        Assert.Equal(2, client.Statistics.Retries);
        Assert.Equal(3, client.Statistics.Timeouts);
        Assert.Equal(3, server.Statistics.Requests);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_timeout_and_is_not_retried()
    {
        var faults = new DelegateFaultInjector(_ => new ModbusFault { NoReply = true });
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, new ModbusClientOptions { Timeout = TimeSpan.FromMinutes(5), Retries = 3 });
        using var cts = new CancellationTokenSource();
        var call = client.ReadHoldingRegistersAsync(1, 0, 1, cts.Token).AsTask();
        await TestBytes.WaitUntilAsync(() => server.Statistics.Requests == 1, "the request reached the server");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, client.Statistics.Retries);
        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [Fact]
    public async Task Client_reconnects_on_demand_after_the_server_drops_the_connection()
    {
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()));
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast(retries: 1));
        Assert.Equal(new ushort[] { 3 }, await client.ReadHoldingRegistersAsync(1, 1, 1));
        server.DropConnections();
        await TestBytes.WaitUntilAsync(() => server.ConnectionCount == 0, "the server closed the connection");
        Assert.Equal(new ushort[] { 6 }, await client.ReadHoldingRegistersAsync(1, 2, 1));
        Assert.Equal(2, client.Statistics.Connects);
    }

    [Fact]
    public async Task Connection_refused_is_a_connection_exception()
    {
        var port = Peers.FreeTcpPort();
        await using var client = new ModbusTcpClient(new IPEndPoint(IPAddress.Loopback, port), Fast());
        await Assert.ThrowsAsync<ModbusConnectionException>(async () => await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Transaction_id_wraps_from_65535_to_0()
    {
        var seen = new ConcurrentQueue<ushort>();
        var faults = new DelegateFaultInjector(c =>
        {
            seen.Enqueue(c.TransactionId);
            return null;
        });
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast()) { NextTransactionId = 65534 };
        for (var i = 0; i < 3; i++)
        {
            await client.ReadHoldingRegistersAsync(1, 0, 1);
        }

        Assert.Equal(new ushort[] { 65534, 65535, 0 }, seen);
    }

    [Fact]
    public async Task Dripped_and_delayed_replies_still_arrive_whole()
    {
        var faults = new DelegateFaultInjector(_ => new ModbusFault { ByteDelay = TimeSpan.FromMilliseconds(1), Delay = TimeSpan.FromMilliseconds(5) });
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast());
        Assert.Equal(new ushort[] { 0, 3, 6, 9 }, await client.ReadHoldingRegistersAsync(1, 0, 4));
    }

    [Fact]
    public async Task Close_connection_fault_is_seen_as_a_dropped_connection_and_retried()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { CloseConnection = true } : null);
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()), new ModbusServerOptions { FaultInjector = faults });
        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast(retries: 1));
        Assert.Equal(new ushort[] { 3 }, await client.ReadHoldingRegistersAsync(1, 1, 1));
        Assert.Equal(1, client.Statistics.Retries);
    }

    [Fact]
    public async Task Server_answers_limit_violations_on_the_wire_and_survives_a_broken_mbap_header()
    {
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()));
        using (var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await raw.ConnectAsync(server.LocalEndPoint);
            await raw.SendAsync(TestBytes.Tcp(5, 1, "03 0000 007E"));
            Assert.Equal("000500000003018303", TestBytes.ToHex(await RawTcpPeer.ReceiveAsync(raw, 9)));
            await raw.SendAsync(TestBytes.Tcp(6, 1, "2B 0E 07 00"));
            Assert.Equal("00060000000301AB03", TestBytes.ToHex(await RawTcpPeer.ReceiveAsync(raw, 9)));
            // A frame of another protocol id is dropped without reply; the next one is answered.
            var foreign = TestBytes.Tcp(7, 1, "03 0000 0001");
            foreign[3] = 9;
            await raw.SendAsync(foreign);
            await raw.SendAsync(TestBytes.Tcp(8, 1, "03 0000 0001"));
            Assert.Equal("000800000005010302" + "0000", TestBytes.ToHex(await RawTcpPeer.ReceiveAsync(raw, 11)));
            await raw.SendAsync(TestBytes.Hex("0009 0000 FFFF 01 03"));
            var buffer = new byte[16];
            Assert.Equal(0, await raw.ReceiveAsync(buffer)); // closed by the server
        }

        await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast());
        Assert.Equal(new ushort[] { 0 }, await client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(2, server.Statistics.Malformed);
    }

    [Fact]
    public async Task Many_clients_are_served_concurrently()
    {
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore()));
        var tasks = Enumerable.Range(0, 16).Select(async i =>
        {
            await using var client = new ModbusTcpClient(server.LocalEndPoint, Fast());
            for (var k = 0; k < 20; k++)
            {
                var v = await client.ReadHoldingRegistersAsync(1, (ushort)i, 1);
                Assert.Equal((ushort)(i * 3), v[0]);
            }
        });
        await Task.WhenAll(tasks);
        Assert.Equal(16 * 20, server.Statistics.Replies);
    }

    [Fact]
    public async Task Rtu_over_tcp_round_trips_and_rejects_a_corrupt_crc()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 2 ? new ModbusFault { CorruptChecksum = true } : null);
        await using var server = await StartAsync(new ModbusDataStoreHandler(NewStore(), 3), new ModbusServerOptions { FaultInjector = faults }, ModbusTcpFraming.Rtu);
        await using var client = new ModbusRtuOverTcpClient(server.LocalEndPoint, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0, InterCharacterTimeout = TimeSpan.FromMilliseconds(50) });
        Assert.Equal(new ushort[] { 0, 3, 6 }, await client.ReadHoldingRegistersAsync(3, 0, 3));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await client.ReadHoldingRegistersAsync(3, 0, 3));
        Assert.Equal(ModbusProtocolError.CrcMismatch, e.Kind);
        await client.WriteMultipleRegistersAsync(3, 0, new ushort[] { 11, 12 });
        Assert.Equal(new ushort[] { 11, 12, 6 }, await client.ReadHoldingRegistersAsync(3, 0, 3));
    }
}

public sealed class ClientWorkaroundTests
{
    [Fact]
    public async Task Connect_delay_and_pause_between_requests_run_on_the_time_provider()
    {
        var time = new ManualTimeProvider();
        var store = new ModbusDataStore(allDefined: true);
        await using var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(store));
        await server.StartAsync();
        var options = new ModbusClientOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            Retries = 0,
            TimeProvider = time,
            ConnectDelay = TimeSpan.FromMilliseconds(500),
            InterFrameGap = TimeSpan.FromMilliseconds(200),
        };
        await using var client = new ModbusTcpClient(server.LocalEndPoint, options);

        var first = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.WaitUntilAsync(() => server.Statistics.Connections == 1 && time.ActiveTimers == 2, "the client connected and waits its connect delay");
        Assert.Equal(0, server.Statistics.Requests);
        time.Advance(TimeSpan.FromMilliseconds(500));
        await first;

        var second = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client waits the pause between requests");
        Assert.Equal(1, server.Statistics.Requests);
        time.Advance(TimeSpan.FromMilliseconds(200));
        await second;
        Assert.Equal(2, server.Statistics.Requests);
    }

    [Fact]
    public void Options_validation_names_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => new ModbusClientOptions { Timeout = TimeSpan.Zero }.Validate());
        Assert.Contains("ModbusClientOptions.Timeout", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new ModbusClientOptions { Retries = -1 }.Validate());
        Assert.Contains("ModbusClientOptions.Retries", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new ModbusClientOptions { ConnectDelay = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains("ModbusClientOptions.ConnectDelay", e.Message, StringComparison.Ordinal);
    }
}
