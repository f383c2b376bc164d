using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;

namespace PowerWatch.PeerTests.Server;

/// <summary>
/// Operations a peer client runs against our server (op syntax: tests/peers/modbus/README.md) and what it
/// must get back, plus what our data store must then hold.
/// </summary>
internal static class ServerScenarios
{
    public static readonly string[] ReadAllTablesOps = ["rc:0:19", "di:3:21", "hr:0:10", "ir:95:5", "hr:0:125", "rc:0:64"];

    public static void AssertReadAllTables(IReadOnlyList<PeerReply> r)
    {
        AssertValues(r[0], PeerMap.CoilRange(0, 19).Select(b => b ? 1 : 0));
        AssertValues(r[1], PeerMap.DiscreteInputRange(3, 21).Select(b => b ? 1 : 0));
        AssertValues(r[2], PeerMap.HoldingRange(0, 10).Select(v => (int)v));
        AssertValues(r[3], PeerMap.InputRange(95, 5).Select(v => (int)v));
        AssertValues(r[4], PeerMap.HoldingRange(0, 125).Select(v => (int)v));
        AssertValues(r[5], PeerMap.CoilRange(0, 64).Select(b => b ? 1 : 0));
    }

    public static readonly string[] SingleWriteOps = ["wc:40:1", "wc:42:0", "wr:130:48879", "rc:39:5", "hr:129:3"];

    public static void AssertSingleWrites(IReadOnlyList<PeerReply> r, ModbusDataStore store)
    {
        Assert.All(r.Take(3), reply => Assert.True(reply.Ok, reply.ToString()));
        AssertValues(r[3], [1, 1, 0, 0, 0]);
        AssertValues(r[4], [1129, 0xBEEF, 1131]);
        Assert.True(store.GetBit(ModbusTable.Coils, 40));
        Assert.False(store.GetBit(ModbusTable.Coils, 42));
        Assert.Equal(0xBEEF, store.GetRegister(ModbusTable.HoldingRegisters, 130));
    }

    public static readonly string[] MultipleWriteOps = ["wcs:48:1,1,0,1,0,0,1,0,1,1", "wrs:140:0,1,32767,32768,65535,12345", "rc:47:12", "hr:139:8"];

    public static void AssertMultipleWrites(IReadOnlyList<PeerReply> r, ModbusDataStore store)
    {
        Assert.True(r[0].Ok, r[0].ToString());
        Assert.True(r[1].Ok, r[1].ToString());
        int[] bits = [1, 1, 0, 1, 0, 0, 1, 0, 1, 1];
        AssertValues(r[2], [0, .. bits, 0]); // coils 47 and 58 are OFF in the map
        int[] registers = [0, 1, 32767, 32768, 65535, 12345];
        AssertValues(r[3], [1139, .. registers, 1146]);

        var storedBits = new bool[10];
        store.GetBits(ModbusTable.Coils, 48, storedBits);
        Assert.Equal(bits.Select(b => b == 1), storedBits);
        var storedRegisters = new ushort[6];
        store.GetRegisters(ModbusTable.HoldingRegisters, 140, storedRegisters);
        Assert.Equal(registers.Select(v => (ushort)v), storedRegisters);
    }

    /// <summary>FC 23: the write is done before the read (SPEC §1.1).</summary>
    public static readonly string[] ReadWriteOps = ["rw:159:5:160:11,22,33"];

    public static void AssertReadWrite(IReadOnlyList<PeerReply> r, ModbusDataStore store)
    {
        AssertValues(r[0], [1159, 11, 22, 33, 1163]);
        var stored = new ushort[5];
        store.GetRegisters(ModbusTable.HoldingRegisters, 159, stored);
        Assert.Equal(new ushort[] { 1159, 11, 22, 33, 1163 }, stored);
    }

    /// <summary>Outside the map: exception 02 for reads and writes, the map untouched, the server still serving.</summary>
    public static readonly string[] ExceptionOps = ["hr:200:1", "ir:90:20", "wr:500:1", "wrs:198:1,2,3", "hr:5:2"];

    public static void AssertExceptions(IReadOnlyList<PeerReply> r, ModbusDataStore store)
    {
        for (var i = 0; i < 4; i++)
        {
            Assert.True(r[i].Exception == 2, $"expected exception 02: {r[i]}");
        }

        AssertValues(r[4], [1005, 1006]);
        var tail = new ushort[2];
        store.GetRegisters(ModbusTable.HoldingRegisters, 198, tail);
        Assert.Equal(new ushort[] { 1198, 1199 }, tail); // a rejected write changes nothing
    }

    public static readonly string[] DeviceIdOps = ["id:1:0", "id:2:0", "id:4:5"];

    public static void AssertDeviceId(IReadOnlyList<PeerReply> r)
    {
        Assert.Equal(0x83, r[0].Conformity);
        Assert.Equal(PeerMap.Identity.Where(p => p.Key <= 2).OrderBy(p => p.Key), r[0].Objects!.OrderBy(p => p.Key));
        Assert.Equal(PeerMap.Identity.OrderBy(p => p.Key), r[1].Objects!.OrderBy(p => p.Key));
        var one = Assert.Single(r[2].Objects!);
        Assert.Equal((byte)5, one.Key);
        Assert.Equal("PEER-1", one.Value);
    }

    private static void AssertValues(PeerReply reply, IEnumerable<int> expected)
    {
        Assert.True(reply.Values is not null, "expected values: " + reply);
        Assert.Equal(expected, reply.Values);
    }
}
