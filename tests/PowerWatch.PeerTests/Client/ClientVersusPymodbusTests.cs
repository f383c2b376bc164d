using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Client;

/// <summary>Our TCP client against the pymodbus 3.0 TCP server.</summary>
public sealed class ClientVersusPymodbusTcpTests(PymodbusTcpServerFixture peer) : IClassFixture<PymodbusTcpServerFixture>
{
    [PeerFact("python:pymodbus")]
    public Task Tcp_client_reads_all_four_tables_from_pymodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_reads_maximum_blocks_from_pymodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_single_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_multiple_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_fc23_write_happens_before_read_on_pymodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_surfaces_pymodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    [PeerFact("python:pymodbus")]
    public Task Tcp_client_reads_pymodbus_device_identification() => RunAsync(ClientScenarios.ReadsDeviceIdentificationAsync);

    private async Task RunAsync(Func<PowerWatch.Modbus.IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var client = OurSide.TcpClient(server.Port);
        await scenario(client);
    }
}

/// <summary>Our RTU client, on a PowerWatch.Serial port, against the pymodbus 3.0 RTU server across a socat pty pair.</summary>
public sealed class ClientVersusPymodbusRtuTests(PymodbusRtuServerFixture peer) : IClassFixture<PymodbusRtuServerFixture>
{
    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_reads_all_four_tables_from_pymodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_reads_maximum_blocks_from_pymodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_single_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_multiple_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_fc23_write_happens_before_read_on_pymodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_surfaces_pymodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Rtu_client_reads_pymodbus_device_identification() => RunAsync(ClientScenarios.ReadsDeviceIdentificationAsync);

    [PeerFact("python:pymodbus", "socat")]
    public async Task Rtu_client_times_out_when_pymodbus_ignores_another_unit_id()
    {
        var server = await peer.GetAsync();
        await using var rtu = OurSide.RtuClient(server.Device);
        // pymodbus answers unit 1 only; a request to unit 2 gets silence, which must surface as a timeout.
        await Assert.ThrowsAsync<PowerWatch.Modbus.ModbusTimeoutException>(() => rtu.Client.ReadHoldingRegistersAsync(2, 0, 1).AsTask());
        Assert.Equal(PeerMap.HoldingRange(0, 3), await rtu.Client.ReadHoldingRegistersAsync(PeerMap.Unit, 0, 3));
    }

    private async Task RunAsync(Func<PowerWatch.Modbus.IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var rtu = OurSide.RtuClient(server.Device);
        await scenario(rtu.Client);
    }
}
