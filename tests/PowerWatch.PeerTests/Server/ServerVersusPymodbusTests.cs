using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Server;

/// <summary>The pymodbus 3.0 client against our TCP server; every test gets a fresh server and store.</summary>
public sealed class ServerVersusPymodbusTcpTests
{
    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_reads_all_four_tables_from_our_server()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertReadAllTables(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.ReadAllTablesOps));
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_single_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertSingleWrites(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.SingleWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_multiple_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertMultipleWrites(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.MultipleWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_fc23_sees_our_server_write_before_read()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertReadWrite(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.ReadWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_gets_exception_02_from_our_server_outside_the_map()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertExceptions(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.ExceptionOps), server.Store);
    }

    [PeerFact("python:pymodbus")]
    public async Task Pymodbus_tcp_client_reads_our_device_identification()
    {
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertDeviceId(await PeerPrograms.PymodbusTcpAsync(server.Port, ServerScenarios.DeviceIdOps));
    }
}

/// <summary>The pymodbus 3.0 RTU client against our RTU server across a socat pty pair.</summary>
public sealed class ServerVersusPymodbusRtuTests : IDisposable
{
    private readonly TempDir _dir = new("powerwatch-peer");

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_reads_all_four_tables_from_our_server()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertReadAllTables(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.ReadAllTablesOps));
    }

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_single_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertSingleWrites(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.SingleWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_multiple_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertMultipleWrites(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.MultipleWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_fc23_sees_our_server_write_before_read()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertReadWrite(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.ReadWriteOps), server.Store);
    }

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_gets_exception_02_from_our_server_outside_the_map()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertExceptions(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.ExceptionOps), server.Store);
    }

    [PeerFact("python:pymodbus", "socat")]
    public async Task Pymodbus_rtu_client_reads_our_device_identification()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        ServerScenarios.AssertDeviceId(await PeerPrograms.PymodbusRtuAsync(server.PeerDevice, ServerScenarios.DeviceIdOps));
    }

    public void Dispose() => _dir.Dispose();
}
