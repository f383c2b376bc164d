using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Client;

/// <summary>Our TCP client against the libmodbus 3.1.6 reference server (tests/peers/modbus/lmb_server.c).</summary>
public sealed class ClientVersusLibModbusTests(LibModbusFixture peer) : IClassFixture<LibModbusFixture>
{
    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_reads_all_four_tables_from_libmodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_reads_maximum_blocks_from_libmodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_single_writes_read_back_from_libmodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_multiple_writes_read_back_from_libmodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_fc23_write_happens_before_read_on_libmodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("pkg:libmodbus", "gcc")]
    public Task Tcp_client_surfaces_libmodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    /// <summary>libmodbus 3.1.6 has no 43/14: it answers exception 01 (illegal function).</summary>
    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Tcp_client_surfaces_libmodbus_illegal_function_for_device_identification()
    {
        var server = await peer.GetAsync();
        await using var client = OurSide.TcpClient(server.ServerPort);
        var error = await Assert.ThrowsAsync<ModbusException>(() => client.ReadDeviceIdentificationAsync(PeerMap.Unit).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalFunction, error.ExceptionCode);
        Assert.Equal(PeerMap.HoldingRange(0, 2), await client.ReadHoldingRegistersAsync(PeerMap.Unit, 0, 2));
    }

    private async Task RunAsync(Func<IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var client = OurSide.TcpClient(server.ServerPort);
        await scenario(client);
    }
}

/// <summary>
/// Our RTU client against the libmodbus 3.1.6 server in RTU mode across a socat pty pair. (libmodbus's RTU
/// receiver cannot size a 43/14 request, so it never answers one: device identification is not covered here.)
/// </summary>
public sealed class ClientVersusLibModbusRtuTests(LibModbusRtuServerFixture peer) : IClassFixture<LibModbusRtuServerFixture>
{
    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_reads_all_four_tables_from_libmodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_reads_maximum_blocks_from_libmodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_single_writes_read_back_from_libmodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_multiple_writes_read_back_from_libmodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_fc23_write_happens_before_read_on_libmodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("pkg:libmodbus", "gcc", "socat")]
    public Task Rtu_client_surfaces_libmodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    private async Task RunAsync(Func<IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var rtu = OurSide.RtuClient(server.Device);
        await scenario(rtu.Client);
    }
}
