using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Client;

/// <summary>Our RTU-over-TCP client against pymodbus's TCP server with its RTU framer (CRC-carrying frames on TCP).</summary>
public sealed class ClientVersusPymodbusRtuOverTcpTests(PymodbusRtuOverTcpServerFixture peer) : IClassFixture<PymodbusRtuOverTcpServerFixture>
{
    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_reads_all_four_tables_from_pymodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_reads_maximum_blocks_from_pymodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_single_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_multiple_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_fc23_write_happens_before_read_on_pymodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_surfaces_pymodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    [PeerFact("python:pymodbus")]
    public Task Rtu_over_tcp_client_reads_pymodbus_device_identification() => RunAsync(ClientScenarios.ReadsDeviceIdentificationAsync);

    private async Task RunAsync(Func<IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var client = OurSide.RtuOverTcpClient(server.Port);
        await scenario(client);
    }
}

/// <summary>Our ASCII client, on a PowerWatch.Serial port, against the pymodbus ASCII server across a socat pty pair.</summary>
public sealed class ClientVersusPymodbusAsciiTests(PymodbusAsciiServerFixture peer) : IClassFixture<PymodbusAsciiServerFixture>
{
    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_reads_all_four_tables_from_pymodbus() => RunAsync(ClientScenarios.ReadsAllFourTablesAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_reads_maximum_blocks_from_pymodbus() => RunAsync(ClientScenarios.ReadsMaximumBlocksAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_single_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.SingleWritesReadBackAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_multiple_writes_read_back_from_pymodbus() => RunAsync(ClientScenarios.MultipleWritesReadBackAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_fc23_write_happens_before_read_on_pymodbus() => RunAsync(ClientScenarios.ReadWriteMultipleWritesFirstAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_surfaces_pymodbus_exception_02_outside_the_map() => RunAsync(ClientScenarios.OutOfMapReadSurfacesIllegalDataAddressAsync);

    [PeerFact("python:pymodbus", "socat")]
    public Task Ascii_client_reads_pymodbus_device_identification() => RunAsync(ClientScenarios.ReadsDeviceIdentificationAsync);

    private async Task RunAsync(Func<IModbusClient, Task> scenario)
    {
        var server = await peer.GetAsync();
        await using var ascii = OurSide.AsciiClient(server.Device);
        await scenario(ascii.Client);
    }
}
