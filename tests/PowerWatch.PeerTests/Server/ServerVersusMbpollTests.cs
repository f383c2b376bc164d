using System.Globalization;
using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;
using PowerWatch.TestSupport;

namespace PowerWatch.PeerTests.Server;

/// <summary>
/// mbpoll (libmodbus-based CLI) against our TCP and RTU servers. mbpoll is 1-based unless -0, and defaults
/// to even parity on RTU, so every call passes -0 and (RTU) -P none. Table types: 0 coil, 1 discrete input,
/// 3 input register, 4 holding register; one value written means FC05/06, several FC15/16.
/// </summary>
public sealed class ServerVersusMbpollTests : IDisposable
{
    private readonly TempDir _dir = new("powerwatch-peer");

    [PeerFact("mbpoll")]
    public async Task Mbpoll_tcp_reads_all_four_tables_from_our_server()
    {
        await using var server = await OurServers.StartTcpAsync();
        await AssertReadsAllTablesAsync(Tcp(server.Port));
    }

    [PeerFact("mbpoll", "socat")]
    public async Task Mbpoll_rtu_reads_all_four_tables_from_our_server()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        await AssertReadsAllTablesAsync(Rtu(server.PeerDevice));
    }

    [PeerFact("mbpoll")]
    public async Task Mbpoll_tcp_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartTcpAsync();
        await AssertWritesLandAsync(Tcp(server.Port), server.Store);
    }

    [PeerFact("mbpoll", "socat")]
    public async Task Mbpoll_rtu_writes_land_in_our_store()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        await AssertWritesLandAsync(Rtu(server.PeerDevice), server.Store);
    }

    [PeerFact("mbpoll")]
    public async Task Mbpoll_tcp_gets_illegal_data_address_from_our_server_outside_the_map()
    {
        await using var server = await OurServers.StartTcpAsync();
        await AssertIllegalAddressAsync(Tcp(server.Port));
    }

    [PeerFact("mbpoll", "socat")]
    public async Task Mbpoll_rtu_gets_illegal_data_address_from_our_server_outside_the_map()
    {
        await using var server = await OurServers.StartRtuAsync(_dir.Path);
        await AssertIllegalAddressAsync(Rtu(server.PeerDevice));
    }

    public void Dispose() => _dir.Dispose();

    private static async Task AssertReadsAllTablesAsync(Target target)
    {
        Assert.Equal(PeerMap.CoilRange(0, 19).Select(b => b ? 1 : 0), await ReadAsync(target, 0, 0, 19));
        Assert.Equal(PeerMap.DiscreteInputRange(3, 21).Select(b => b ? 1 : 0), await ReadAsync(target, 1, 3, 21));
        Assert.Equal(PeerMap.InputRange(95, 5).Select(v => (int)v), await ReadAsync(target, 3, 95, 5));
        Assert.Equal(PeerMap.HoldingRange(0, 125).Select(v => (int)v), await ReadAsync(target, 4, 0, 125));
    }

    private static async Task AssertWritesLandAsync(Target target, ModbusDataStore store)
    {
        await WriteAsync(target, 4, 130, 48879);          // FC06
        await WriteAsync(target, 4, 140, 1, 2, 65535);    // FC16
        await WriteAsync(target, 0, 40, 1);               // FC05
        await WriteAsync(target, 0, 48, 1, 1, 0, 1);      // FC15 (coil 48 starts ON, 49 and 50 OFF, 51 ON)

        Assert.Equal(0xBEEF, store.GetRegister(ModbusTable.HoldingRegisters, 130));
        var registers = new ushort[5];
        store.GetRegisters(ModbusTable.HoldingRegisters, 139, registers);
        Assert.Equal(new ushort[] { 1139, 1, 2, 65535, 1143 }, registers);
        Assert.True(store.GetBit(ModbusTable.Coils, 40));
        var coils = new bool[6];
        store.GetBits(ModbusTable.Coils, 47, coils);
        Assert.Equal(new[] { false, true, true, false, true, false }, coils);

        Assert.Equal(new[] { 1129, 48879, 1131 }, await ReadAsync(target, 4, 129, 3));
        Assert.Equal(new[] { 0, 1, 1, 0, 1, 0 }, await ReadAsync(target, 0, 47, 6));
    }

    private static async Task AssertIllegalAddressAsync(Target target)
    {
        var (exit, output) = await PeerPrograms.MbpollAsync([.. Common(target, 4, 200, 1), target.Where]);
        Assert.NotEqual(0, exit);
        Assert.Contains("Illegal data address", output, StringComparison.Ordinal);

        var (writeExit, writeOutput) = await PeerPrograms.MbpollAsync([.. Common(target, 4, 199), target.Where, "1", "2"]);
        Assert.NotEqual(0, writeExit);
        Assert.Contains("Illegal data address", writeOutput, StringComparison.Ordinal);

        Assert.Equal(new[] { 1199 }, await ReadAsync(target, 4, 199, 1)); // still serving, nothing written
    }

    private static async Task<int[]> ReadAsync(Target target, int table, int start, int count)
    {
        var (exit, output) = await PeerPrograms.MbpollAsync([.. Common(target, table, start, count), target.Where]);
        Assert.True(exit == 0, "mbpoll read failed:\n" + output);
        return PeerPrograms.ParseMbpollValues(output);
    }

    private static async Task WriteAsync(Target target, int table, int start, params int[] values)
    {
        var (exit, output) = await PeerPrograms.MbpollAsync([.. Common(target, table, start), target.Where, .. values.Select(v => v.ToString(CultureInfo.InvariantCulture))]);
        Assert.True(exit == 0, "mbpoll write failed:\n" + output);
        Assert.Contains($"Written {values.Length} references", output, StringComparison.Ordinal);
    }

    private static string[] Common(Target target, int table, int start, int? count = null)
    {
        string[] common = [.. target.Mode, "-a", "1", "-t", I(table), "-0", "-r", I(start), "-1", "-q", "-o", "5"]; // -o: 5 s reply timeout (default 1 s) for loaded CI machines
        return count is { } c ? [.. common, "-c", I(c)] : common;
    }

    private static Target Tcp(int port) => new(["-m", "tcp", "-p", I(port)], "127.0.0.1");

    private static Target Rtu(string device) => new(["-m", "rtu", "-b", "115200", "-P", "none", "-d", "8", "-s", "1"], device);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Target(string[] Mode, string Where);
}
