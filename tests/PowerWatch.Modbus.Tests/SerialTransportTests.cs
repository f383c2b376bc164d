using PowerWatch.TestSupport;

namespace PowerWatch.Modbus.Tests;

public sealed class RtuTransportTests
{
    private static readonly ModbusSerialLine Line = new(19200, 8, ModbusParity.Even);

    private static ModbusClientOptions Options(int retries = 0) => new()
    {
        Timeout = TimeSpan.FromSeconds(5),
        Retries = retries,
        InterCharacterTimeout = TimeSpan.FromMilliseconds(20),
        InterFrameGap = TimeSpan.FromMilliseconds(30),
        TurnaroundDelay = TimeSpan.FromMilliseconds(5),
    };

    private static ModbusDataStore NewStore()
    {
        var store = new ModbusDataStore();
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, Enumerable.Range(0, 100).Select(i => (ushort)(i + 1000)).ToArray());
        store.SetRegisters(ModbusTable.InputRegisters, 0, [1, 2, 3]);
        store.SetBits(ModbusTable.Coils, 0, new bool[16]);
        store.SetBits(ModbusTable.DiscreteInputs, 0, [true, true, false]);
        return store;
    }

    private sealed class Bench : IAsyncDisposable
    {
        public required ModbusRtuServer Server { get; init; }

        public required ModbusRtuClient Client { get; init; }

        public required ModbusDataStore Store { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private static async Task<Bench> StartAsync(IModbusFaultInjector? faults = null, int retries = 0, params byte[] units)
    {
        var (a, b) = PipeDuplexStream.CreatePair();
        var store = NewStore();
        var server = new ModbusRtuServer(b, Line, new ModbusDataStoreHandler(store, units.Length == 0 ? [1] : units),
            new ModbusServerOptions { FaultInjector = faults, InterFrameGap = TimeSpan.FromMilliseconds(30) });
        await server.StartAsync();
        return new Bench { Server = server, Client = new ModbusRtuClient(a, Line, Options(retries)), Store = store };
    }

    [Fact]
    public async Task Every_function_code_round_trips_over_rtu()
    {
        await using var bench = await StartAsync();
        var c = bench.Client;
        Assert.Equal(new ushort[] { 1000, 1001 }, await c.ReadHoldingRegistersAsync(1, 0, 2));
        Assert.Equal(new ushort[] { 1, 2, 3 }, await c.ReadInputRegistersAsync(1, 0, 3));
        Assert.Equal(new[] { true, true, false }, await c.ReadDiscreteInputsAsync(1, 0, 3));
        await c.WriteSingleCoilAsync(1, 3, true);
        await c.WriteMultipleCoilsAsync(1, 8, new[] { true, false, true });
        Assert.Equal(new[] { false, false, false, true, false, false, false, false, true, false, true }, await c.ReadCoilsAsync(1, 0, 11));
        await c.WriteSingleRegisterAsync(1, 1, 7);
        await c.WriteMultipleRegistersAsync(1, 2, new ushort[] { 8, 9 });
        Assert.Equal(new ushort[] { 1000, 7, 8, 9 }, await c.ReadWriteMultipleRegistersAsync(1, 0, 4, 0, new ushort[] { 1000 }));
        var id = await c.ReadDeviceIdentificationAsync(1);
        Assert.Empty(id.Objects);
        Assert.Equal(0, c.Statistics.GarbageBytes);
    }

    [Fact]
    public async Task Rtu_reply_with_bad_crc_is_rejected_and_the_next_request_works()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { CorruptChecksum = true } : null);
        await using var bench = await StartAsync(faults);
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
        Assert.Equal(ModbusProtocolError.CrcMismatch, e.Kind);
        Assert.Equal(new ushort[] { 1000, 1001 }, await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
    }

    [Fact]
    public async Task Garbage_before_and_after_a_reply_is_skipped_and_counted()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { Prepend = new byte[] { 0xFF, 0x01, 0x00, 0x55 } } : null);
        await using var bench = await StartAsync(faults);
        Assert.Equal(new ushort[] { 1000 }, await bench.Client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(4, bench.Client.Statistics.GarbageBytes);
        Assert.Equal(new ushort[] { 1001 }, await bench.Client.ReadHoldingRegistersAsync(1, 1, 1));
    }

    [Fact]
    public async Task Reply_from_another_unit_is_rejected()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { UnitId = 9 } : null);
        await using var bench = await StartAsync(faults);
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
        Assert.Equal(ModbusProtocolError.WrongUnitId, e.Kind);
        Assert.Equal(new ushort[] { 1000, 1001 }, await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
    }

    [Fact]
    public async Task Truncated_reply_is_reported_as_truncated()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { TruncateTo = 5 } : null);
        await using var bench = await StartAsync(faults);
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
        Assert.Equal(ModbusProtocolError.TruncatedFrame, e.Kind);
        Assert.Equal(new ushort[] { 1000, 1001 }, await bench.Client.ReadHoldingRegistersAsync(1, 0, 2));
    }

    [Fact]
    public async Task Crc_errors_are_retried_and_counted_but_busy_exceptions_are_not()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber switch
        {
            1 or 2 => new ModbusFault { CorruptChecksum = true },
            4 => new ModbusFault { ExceptionCode = ModbusExceptionCode.ServerDeviceBusy },
            _ => null,
        });
        await using var bench = await StartAsync(faults, retries: 2);
        Assert.Equal(new ushort[] { 1000 }, await bench.Client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(2, bench.Client.Statistics.Retries);
        Assert.Equal(3, bench.Server.Statistics.Requests);
        var e = await Assert.ThrowsAsync<ModbusException>(async () => await bench.Client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(ModbusExceptionCode.ServerDeviceBusy, e.ExceptionCode);
        Assert.Equal(2, bench.Client.Statistics.Retries);
    }

    [Fact]
    public async Task Dripped_reply_within_the_inter_character_limit_is_accepted()
    {
        // Manual time: the test plays the server and drips the reply one byte at a time, each gap 3/4 of the
        // inter-character limit, so the whole reply takes far longer than the limit but no gap exceeds it.
        var time = new ManualTimeProvider();
        var limit = TimeSpan.FromMilliseconds(20);
        var (a, b) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusRtuClient(a, Line, Options() with
        {
            TimeProvider = time, InterCharacterTimeout = limit, InterFrameGap = TimeSpan.Zero, TurnaroundDelay = TimeSpan.Zero,
        });
        var read = client.ReadHoldingRegistersAsync(1, 0, 3).AsTask();
        var request = new byte[8];
        await b.ReadExactlyAsync(request);
        Assert.Equal(new byte[] { 0x01, 0x03, 0x00, 0x00, 0x00, 0x03 }, request[..6]);
        byte[] reply = [0x01, 0x03, 0x06, 0x03, 0xE8, 0x03, 0xE9, 0x03, 0xEA, 0, 0];
        ModbusChecksum.WriteCrc16(reply.AsSpan(0, 9), reply.AsSpan(9));
        for (var i = 0; i < reply.Length; i++)
        {
            if (i > 0)
            {
                // The client re-arms its silence timer after each byte; only then does the clock move.
                await Poll.UntilAsync(() => time.HasTimerDueIn(limit), TimeSpan.FromSeconds(10), () => $"the client armed its silence timer after byte {i}");
                time.Advance(limit * 0.75);
            }

            await b.WriteAsync(reply.AsMemory(i, 1));
            await b.FlushAsync();
        }

        Assert.Equal(new ushort[] { 1000, 1001, 1002 }, await read);
        Assert.Equal(limit * 0.75 * (reply.Length - 1), time.GetUtcNow() - new ManualTimeProvider().GetUtcNow());
    }

    [Fact]
    public async Task Broadcast_write_is_applied_by_the_server_without_a_reply()
    {
        await using var bench = await StartAsync();
        await bench.Client.WriteSingleRegisterAsync(0, 10, 0x1234);
        await TestBytes.WaitUntilAsync(() => bench.Store.GetRegister(ModbusTable.HoldingRegisters, 10) == 0x1234, "the broadcast was applied");
        Assert.Equal(0, bench.Server.Statistics.Replies);
        Assert.Equal(new ushort[] { 0x1234 }, await bench.Client.ReadHoldingRegistersAsync(1, 10, 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bench.Client.ReadHoldingRegistersAsync(0, 0, 1));
    }

    [Fact]
    public async Task Server_answers_only_its_own_unit_ids()
    {
        var (a, b) = PipeDuplexStream.CreatePair();
        await using var server = new ModbusRtuServer(b, Line, new ModbusDataStoreHandler(NewStore(), 1, 2));
        await server.StartAsync();
        var time = new ManualTimeProvider();
        await using var client = new ModbusRtuClient(a, Line, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 0, TimeProvider = time, InterFrameGap = TimeSpan.Zero });
        Assert.Equal(new ushort[] { 1000 }, await client.ReadHoldingRegistersAsync(2, 0, 1));
        var call = client.ReadHoldingRegistersAsync(7, 0, 1).AsTask();
        await TestBytes.WaitUntilAsync(() => server.Statistics.Requests == 2, "the server saw the request for unit 7");
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        Assert.Equal(1, server.Statistics.Replies);
    }

    [Fact]
    public async Task Server_drops_a_request_with_bad_crc_and_answers_the_next()
    {
        var (a, b) = PipeDuplexStream.CreatePair();
        await using var server = new ModbusRtuServer(b, Line, new ModbusDataStoreHandler(NewStore(), 1), new ModbusServerOptions { InterFrameGap = TimeSpan.FromMilliseconds(10) });
        await server.StartAsync();
        var bad = TestBytes.Rtu(1, "03 0000 0001");
        bad[^1] ^= 0x01;
        await a.WriteAsync(bad);
        await TestBytes.WaitUntilAsync(() => server.Statistics.Malformed == 1, "the server dropped the bad frame");
        await a.WriteAsync(TestBytes.Rtu(1, "03 0000 0001"));
        Assert.Equal(TestBytes.Rtu(1, "03 02 03E8"), await TestBytes.ReadExactlyAsync(a, 7));
        await a.WriteAsync(TestBytes.Rtu(1, "03 0000 007E"));
        Assert.Equal(TestBytes.Rtu(1, "83 03"), await TestBytes.ReadExactlyAsync(a, 5));
        await a.WriteAsync(TestBytes.Rtu(1, "07"));
        Assert.Equal(TestBytes.Rtu(1, "87 01"), await TestBytes.ReadExactlyAsync(a, 5));
        Assert.Equal(0, server.Statistics.Replies - 3);
        await a.DisposeAsync();
    }

    [Fact]
    public async Task Wrong_function_code_in_a_reply_is_rejected()
    {
        var (a, peer) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusRtuClient(a, Line, Options());
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        Assert.Equal(TestBytes.Rtu(1, "03 0000 0001"), await TestBytes.ReadExactlyAsync(peer, 8));
        await peer.WriteAsync(TestBytes.Rtu(1, "04 02 0001"));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.WrongFunctionCode, e.Kind);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Peer_that_never_answers_times_out_through_the_time_provider_and_the_client_recovers()
    {
        var time = new ManualTimeProvider();
        var (a, peer) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusRtuClient(a, Line, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 1, TimeProvider = time, InterFrameGap = TimeSpan.Zero });
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 8);
        time.Advance(TimeSpan.FromSeconds(1));
        await TestBytes.ReadExactlyAsync(peer, 8); // the retry
        time.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<ModbusTimeoutException>(() => call);
        Assert.Equal(0, e.BytesReceived);
        Assert.Equal(1, client.Statistics.Retries);
        Assert.Equal(2, client.Statistics.Timeouts);

        var next = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 8);
        await peer.WriteAsync(TestBytes.Rtu(1, "03 02 0063"));
        Assert.Equal(new ushort[] { 99 }, await next);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Gap_longer_than_t15_inside_a_reply_is_an_error_through_the_time_provider()
    {
        var time = new ManualTimeProvider();
        var (a, peer) = PipeDuplexStream.CreatePair();
        var options = new ModbusClientOptions
        {
            Timeout = TimeSpan.FromSeconds(1),
            Retries = 0,
            TimeProvider = time,
            InterCharacterTimeout = TimeSpan.FromMilliseconds(2),
            InterFrameGap = TimeSpan.FromMilliseconds(4),
        };
        await using var client = new ModbusRtuClient(a, Line, options);
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 8);
        var reply = TestBytes.Rtu(1, "03 02 0063");
        await peer.WriteAsync(reply.AsMemory(0, 3));
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client armed its t1.5 timer");
        time.Advance(TimeSpan.FromMilliseconds(2));
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client armed its t3.5 timer");
        await peer.WriteAsync(reply.AsMemory(3));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.InterCharacterGap, e.Kind);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Silence_after_a_partial_reply_ends_it_as_truncated_through_the_time_provider()
    {
        var time = new ManualTimeProvider();
        var (a, peer) = PipeDuplexStream.CreatePair();
        var options = new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(1), Retries = 0, TimeProvider = time };
        await using var client = new ModbusRtuClient(a, Line, options);
        Assert.Equal(Line.T15, client.InterCharacterTimeout);
        Assert.Equal(Line.T35, client.InterFrameGap);
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 8);
        await peer.WriteAsync(TestBytes.Rtu(1, "03 02 0063").AsMemory(0, 4));
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client armed its t1.5 timer");
        time.Advance(Line.T15);
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client armed its t3.5 timer");
        time.Advance(Line.T35 - Line.T15);
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.TruncatedFrame, e.Kind);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Peer_closing_mid_frame_gives_a_truncated_frame()
    {
        var (a, peer) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusRtuClient(a, Line, Options());
        var call = client.ReadHoldingRegistersAsync(1, 0, 1).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 8);
        await peer.WriteAsync(TestBytes.Rtu(1, "03 02 0063").AsMemory(0, 3));
        await peer.DisposeAsync();
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.True(e.Kind is ModbusProtocolError.TruncatedFrame, $"kind {e.Kind}");
    }

    [Fact]
    public async Task Serial_requests_are_serialized_one_at_a_time()
    {
        await using var bench = await StartAsync();
        var calls = Enumerable.Range(0, 10).Select(i => bench.Client.ReadHoldingRegistersAsync(1, (ushort)i, 1).AsTask()).ToArray();
        var results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ushort)(1000 + i)), results.Select(r => r[0]));
        Assert.Equal(0, bench.Client.Statistics.ProtocolErrors);
    }

    [Fact]
    public async Task Emulated_line_timing_delays_replies_through_the_server_time_provider()
    {
        var time = new ManualTimeProvider();
        var (a, peer) = PipeDuplexStream.CreatePair();
        var line = new ModbusSerialLine(9600);
        await using var server = new ModbusRtuServer(a, line, new ModbusDataStoreHandler(NewStore(), 1), new ModbusServerOptions { EmulateLineTiming = true, TimeProvider = time });
        await server.StartAsync();
        await peer.WriteAsync(TestBytes.Rtu(1, "03 0000 0001"));
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 1, "the server scheduled the reply");
        Assert.Equal(0, server.Statistics.Replies);
        // SPEC §1.6 at 9600 8N1: request 8 bytes 8.33 ms + t3.5 4.01 ms + reply 7 bytes 7.29 ms = 19.6 ms.
        time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.Equal(1, time.ActiveTimers); // still waiting: a fired timer is disarmed inside Advance
        time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(TestBytes.Rtu(1, "03 02 03E8"), await TestBytes.ReadExactlyAsync(peer, 7));
        await peer.DisposeAsync();
    }
}

public sealed class AsciiTransportTests
{
    private static ModbusClientOptions Options(int retries = 0) => new() { Timeout = TimeSpan.FromSeconds(5), Retries = retries };

    [Fact]
    public async Task Ascii_round_trips_between_our_client_and_server()
    {
        var (a, b) = PipeDuplexStream.CreatePair();
        var store = new ModbusDataStore(allDefined: true);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0x6B, [555, 0, 100]);
        await using var server = new ModbusAsciiServer(b, new ModbusDataStoreHandler(store, 0x11));
        await server.StartAsync();
        await using var client = new ModbusAsciiClient(a, Options());
        Assert.Equal(new ushort[] { 555, 0, 100 }, await client.ReadHoldingRegistersAsync(0x11, 0x6B, 3));
        await client.WriteMultipleRegistersAsync(0x11, 0, new ushort[] { 1, 2 });
        await client.WriteSingleCoilAsync(0x11, 4, true);
        Assert.Equal(new[] { false, true }, await client.ReadCoilsAsync(0x11, 3, 2));
        Assert.Equal(new ushort[] { 1, 2 }, await client.ReadHoldingRegistersAsync(0x11, 0, 2));
    }

    [Fact]
    public async Task Ascii_request_on_the_wire_is_the_spec_example()
    {
        var (a, peer) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusAsciiClient(a, Options());
        var call = client.ReadHoldingRegistersAsync(0x11, 0x6B, 3).AsTask();
        // SPEC §1.4 example frame.
        Assert.Equal(":1103006B00037E\r\n"u8.ToArray(), await TestBytes.ReadExactlyAsync(peer, 17));
        await peer.WriteAsync("junk:110306022B00000064"u8.ToArray());
        await peer.WriteAsync("55\r\n"u8.ToArray());
        Assert.Equal(new ushort[] { 555, 0, 100 }, await call);
        Assert.Equal(4, client.Statistics.GarbageBytes);
        await peer.DisposeAsync();
    }

    [Fact]
    public async Task Ascii_reply_with_bad_lrc_is_rejected_and_retried()
    {
        var faults = new DelegateFaultInjector(c => c.RequestNumber == 1 ? new ModbusFault { CorruptChecksum = true } : null);
        var (a, b) = PipeDuplexStream.CreatePair();
        await using var server = new ModbusAsciiServer(b, new ModbusDataStoreHandler(new ModbusDataStore(allDefined: true)), new ModbusServerOptions { FaultInjector = faults });
        await server.StartAsync();
        await using var client = new ModbusAsciiClient(a, Options());
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(async () => await client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(ModbusProtocolError.LrcMismatch, e.Kind);
        Assert.Equal(new ushort[] { 0 }, await client.ReadHoldingRegistersAsync(1, 0, 1));
    }

    [Fact]
    public async Task Ascii_server_drops_a_bad_lrc_request_and_answers_the_next()
    {
        var (a, b) = PipeDuplexStream.CreatePair();
        await using var server = new ModbusAsciiServer(b, new ModbusDataStoreHandler(new ModbusDataStore(allDefined: true), 0x11));
        await server.StartAsync();
        await a.WriteAsync(":1103006B00037F\r\n"u8.ToArray());
        await a.WriteAsync(":1103006B000180\r\n:1106006B0001"u8.ToArray());
        await TestBytes.WaitUntilAsync(() => server.Statistics.Malformed == 1 && server.Statistics.Replies == 1, "one frame dropped and one answered");
        var reply = System.Text.Encoding.ASCII.GetString(await TestBytes.ReadExactlyAsync(a, 15));
        Assert.Equal(":1103020000EA\r\n", reply);
        await a.DisposeAsync();
    }

    [Fact]
    public async Task Ascii_reply_that_stops_is_truncated_after_the_inter_character_limit()
    {
        var time = new ManualTimeProvider();
        var (a, peer) = PipeDuplexStream.CreatePair();
        await using var client = new ModbusAsciiClient(a, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0, TimeProvider = time });
        var call = client.ReadHoldingRegistersAsync(0x11, 0x6B, 3).AsTask();
        await TestBytes.ReadExactlyAsync(peer, 17);
        await peer.WriteAsync(":110306"u8.ToArray());
        await TestBytes.WaitUntilAsync(() => time.ActiveTimers == 2, "the client armed its inter-character timer");
        time.Advance(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAsync<ModbusProtocolException>(() => call);
        Assert.Equal(ModbusProtocolError.TruncatedFrame, e.Kind);
        await peer.DisposeAsync();
    }
}

public sealed class DataStoreTests
{
    [Fact]
    public async Task Write_hook_can_veto_a_command_with_exception_03_and_accepted_writes_raise_written()
    {
        // A command register that requires its complement in the next register (as APC command registers do).
        var store = new ModbusDataStore();
        store.Define(ModbusTable.HoldingRegisters, 100, 2);
        store.OnWrite = w => w.Table == ModbusTable.HoldingRegisters && w.Start == 100
            && (w.Registers.Length != 2 || (ushort)~w.Registers.Span[0] != w.Registers.Span[1])
            ? ModbusExceptionCode.IllegalDataValue
            : ModbusExceptionCode.None;
        var written = new List<ModbusWrite>();
        store.Written += (_, e) => written.Add(e.Write);

        var (a, b) = PipeDuplexStream.CreatePair();
        await using var server = new ModbusRtuServer(b, new ModbusSerialLine(9600), new ModbusDataStoreHandler(store, 1), new ModbusServerOptions { InterFrameGap = TimeSpan.FromMilliseconds(10) });
        await server.StartAsync();
        await using var client = new ModbusRtuClient(a, new ModbusSerialLine(9600), new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0, InterCharacterTimeout = TimeSpan.FromMilliseconds(20) });
        var e = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteMultipleRegistersAsync(1, 100, new ushort[] { 0x0002, 0x0000 }));
        Assert.Equal(ModbusExceptionCode.IllegalDataValue, e.ExceptionCode);
        Assert.Equal(0, store.GetRegister(ModbusTable.HoldingRegisters, 100));
        Assert.Empty(written);

        await client.WriteMultipleRegistersAsync(1, 100, new ushort[] { 0x0002, 0xFFFD });
        Assert.Equal(0x0002, store.GetRegister(ModbusTable.HoldingRegisters, 100));
        var w = Assert.Single(written);
        Assert.Equal(new ushort[] { 0x0002, 0xFFFD }, w.Registers.ToArray());
    }

    [Fact]
    public void Sparse_map_answers_02_for_a_read_across_an_undefined_address()
    {
        var store = new ModbusDataStore();
        store.SetRegisters(ModbusTable.InputRegisters, 0, [1, 2]);
        store.SetRegisters(ModbusTable.InputRegisters, 3, [4]);
        var values = new ushort[4];
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, store.ReadRegisters(ModbusTable.InputRegisters, 0, values));
        Assert.Equal(ModbusExceptionCode.None, store.ReadRegisters(ModbusTable.InputRegisters, 0, values.AsSpan(0, 2)));
        store.Undefine(ModbusTable.InputRegisters, 0, 1);
        Assert.False(store.IsDefined(ModbusTable.InputRegisters, 0, 2));
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, store.WriteHoldingRegisters(0, [1]));
    }

    [Fact]
    public void Router_sends_each_unit_to_its_own_handler_and_broadcasts_to_all()
    {
        var one = new ModbusDataStore(allDefined: true);
        var two = new ModbusDataStore(allDefined: true);
        var router = new ModbusUnitRouter();
        router.Map(1, new ModbusDataStoreHandler(one));
        router.Map(2, new ModbusDataStoreHandler(two));
        var response = new System.Buffers.ArrayBufferWriter<byte>();
        Assert.True(router.TryHandle(2, TestBytes.Hex("06 0000 0007"), response));
        Assert.Equal(7, two.GetRegister(ModbusTable.HoldingRegisters, 0));
        Assert.Equal(0, one.GetRegister(ModbusTable.HoldingRegisters, 0));
        Assert.False(router.TryHandle(3, TestBytes.Hex("03 0000 0001"), response));
        Assert.True(router.TryHandle(0, TestBytes.Hex("06 0001 0009"), new System.Buffers.ArrayBufferWriter<byte>()));
        Assert.Equal(9, one.GetRegister(ModbusTable.HoldingRegisters, 1));
        Assert.Equal(9, two.GetRegister(ModbusTable.HoldingRegisters, 1));
    }

    [Fact]
    public async Task Handler_that_throws_is_answered_with_04_and_the_server_keeps_serving()
    {
        var store = new ModbusDataStore(allDefined: true);
        store.OnWrite = _ => throw new InvalidOperationException("simulated device fault");
        await using var server = new ModbusTcpServer(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), new ModbusDataStoreHandler(store));
        await server.StartAsync();
        await using var client = new ModbusTcpClient(server.LocalEndPoint, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0 });
        var e = await Assert.ThrowsAsync<ModbusException>(async () => await client.WriteSingleRegisterAsync(1, 0, 1));
        Assert.Equal(ModbusExceptionCode.ServerDeviceFailure, e.ExceptionCode);
        Assert.Equal(new ushort[] { 0 }, await client.ReadHoldingRegistersAsync(1, 0, 1));
        Assert.Equal(1, server.Statistics.HandlerFailures);
    }
}
