using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Server;

/// <summary>The pymodbus client with its RTU framer over TCP against our TCP server in RTU framing.</summary>
public sealed class ServerVersusPymodbusRtuOverTcpTests
{
    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_reads_all_four_tables_from_our_server() =>
        RunAsync(ServerScenarios.ReadAllTablesOps, (r, _) => ServerScenarios.AssertReadAllTables(r));

    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_single_writes_land_in_our_store() =>
        RunAsync(ServerScenarios.SingleWriteOps, ServerScenarios.AssertSingleWrites);

    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_multiple_writes_land_in_our_store() =>
        RunAsync(ServerScenarios.MultipleWriteOps, ServerScenarios.AssertMultipleWrites);

    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_fc23_sees_our_server_write_before_read() =>
        RunAsync(ServerScenarios.ReadWriteOps, ServerScenarios.AssertReadWrite);

    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_gets_exception_02_from_our_server_outside_the_map() =>
        RunAsync(ServerScenarios.ExceptionOps, ServerScenarios.AssertExceptions);

    [PeerFact("python:pymodbus")]
    public Task Pymodbus_rtu_over_tcp_client_reads_our_device_identification() =>
        RunAsync(ServerScenarios.DeviceIdOps, (r, _) => ServerScenarios.AssertDeviceId(r));

    private static async Task RunAsync(string[] ops, Action<IReadOnlyList<PeerReply>, ModbusDataStore> check)
    {
        await using var server = await OurServers.StartTcpAsync(ModbusTcpFraming.Rtu);
        check(await PeerPrograms.PymodbusNetworkAsync("rtu-over-tcp", server.Port, ops), server.Store);
    }
}

/// <summary>The pymodbus ASCII client against our ASCII server across a socat pty pair.</summary>
public sealed class ServerVersusPymodbusAsciiTests : IDisposable
{
    private readonly TempDir _dir = new("powerwatch-peer");

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_reads_all_four_tables_from_our_server() =>
        RunAsync(ServerScenarios.ReadAllTablesOps, (r, _) => ServerScenarios.AssertReadAllTables(r));

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_single_writes_land_in_our_store() =>
        RunAsync(ServerScenarios.SingleWriteOps, ServerScenarios.AssertSingleWrites);

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_multiple_writes_land_in_our_store() =>
        RunAsync(ServerScenarios.MultipleWriteOps, ServerScenarios.AssertMultipleWrites);

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_fc23_sees_our_server_write_before_read() =>
        RunAsync(ServerScenarios.ReadWriteOps, ServerScenarios.AssertReadWrite);

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_gets_exception_02_from_our_server_outside_the_map() =>
        RunAsync(ServerScenarios.ExceptionOps, ServerScenarios.AssertExceptions);

    [PeerFact("python:pymodbus", "socat")]
    public Task Pymodbus_ascii_client_reads_our_device_identification() =>
        RunAsync(ServerScenarios.DeviceIdOps, (r, _) => ServerScenarios.AssertDeviceId(r));

    public void Dispose() => _dir.Dispose();

    private async Task RunAsync(string[] ops, Action<IReadOnlyList<PeerReply>, ModbusDataStore> check)
    {
        await using var server = await OurServers.StartAsciiAsync(_dir.Path);
        check(await PeerPrograms.PymodbusSerialAsync("ascii", server.PeerDevice, ops), server.Store);
    }
}
