using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Server;

/// <summary>The libmodbus 3.1.6 C client (tests/peers/modbus/lmb_client.c) against our TCP server.</summary>
public sealed class ServerVersusLibModbusTests(LibModbusClientFixture peer) : IClassFixture<LibModbusClientFixture>
{
    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Libmodbus_client_reads_all_four_tables_from_our_server()
    {
        var client = await peer.GetAsync();
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertReadAllTables(await PeerPrograms.LibModbusTcpAsync(client, server.Port, ServerScenarios.ReadAllTablesOps));
    }

    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Libmodbus_client_single_writes_land_in_our_store()
    {
        var client = await peer.GetAsync();
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertSingleWrites(await PeerPrograms.LibModbusTcpAsync(client, server.Port, ServerScenarios.SingleWriteOps), server.Store);
    }

    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Libmodbus_client_multiple_writes_land_in_our_store()
    {
        var client = await peer.GetAsync();
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertMultipleWrites(await PeerPrograms.LibModbusTcpAsync(client, server.Port, ServerScenarios.MultipleWriteOps), server.Store);
    }

    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Libmodbus_client_fc23_sees_our_server_write_before_read()
    {
        var client = await peer.GetAsync();
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertReadWrite(await PeerPrograms.LibModbusTcpAsync(client, server.Port, ServerScenarios.ReadWriteOps), server.Store);
    }

    [PeerFact("pkg:libmodbus", "gcc")]
    public async Task Libmodbus_client_gets_exception_02_from_our_server_outside_the_map()
    {
        var client = await peer.GetAsync();
        await using var server = await OurServers.StartTcpAsync();
        ServerScenarios.AssertExceptions(await PeerPrograms.LibModbusTcpAsync(client, server.Port, ServerScenarios.ExceptionOps), server.Store);
    }
}
