using PowerWatch.Modbus;
using PowerWatch.PeerTests.Infrastructure;

namespace PowerWatch.PeerTests.Client;

/// <summary>
/// What our client must do against any conforming server serving the peer map (tests/peers/modbus/MAP.md).
/// Each scenario writes only its own addresses, so scenarios can share one server process.
/// </summary>
internal static class ClientScenarios
{
    private const byte Unit = PeerMap.Unit;

    public static async Task ReadsAllFourTablesAsync(IModbusClient client)
    {
        Assert.Equal(PeerMap.CoilRange(0, 19), await client.ReadCoilsAsync(Unit, 0, 19));
        Assert.Equal(PeerMap.DiscreteInputRange(3, 21), await client.ReadDiscreteInputsAsync(Unit, 3, 21));
        Assert.Equal(PeerMap.HoldingRange(0, 10), await client.ReadHoldingRegistersAsync(Unit, 0, 10));
        Assert.Equal(PeerMap.InputRange(95, 5), await client.ReadInputRegistersAsync(Unit, 95, 5));
    }

    /// <summary>The largest register read the spec allows (125, SPEC §1.1) and a bit read that is not a whole number of bytes.</summary>
    public static async Task ReadsMaximumBlocksAsync(IModbusClient client)
    {
        Assert.Equal(PeerMap.HoldingRange(0, 125), await client.ReadHoldingRegistersAsync(Unit, 0, 125));
        var buffer = new ushort[100];
        await client.ReadInputRegistersAsync(Unit, 0, buffer);
        Assert.Equal(PeerMap.InputRange(0, 100), buffer);
        Assert.Equal(PeerMap.CoilRange(0, 31), await client.ReadCoilsAsync(Unit, 0, 31));
    }

    public static async Task SingleWritesReadBackAsync(IModbusClient client)
    {
        // coils 39..43 start ON, OFF, OFF, ON, OFF (ON when address % 3 == 0)
        await client.WriteSingleCoilAsync(Unit, 40, true);
        await client.WriteSingleCoilAsync(Unit, 42, false);
        bool[] expected = [true, true, false, false, false];
        Assert.Equal(expected, await client.ReadCoilsAsync(Unit, 39, 5));

        await client.WriteSingleRegisterAsync(Unit, 130, 0xBEEF);
        Assert.Equal([1129, 0xBEEF, 1131], await client.ReadHoldingRegistersAsync(Unit, 129, 3));
    }

    public static async Task MultipleWritesReadBackAsync(IModbusClient client)
    {
        bool[] bits = [true, true, false, true, false, false, true, false, true, true];
        await client.WriteMultipleCoilsAsync(Unit, 48, bits);
        bool[] expectedBits = [PeerMap.Coil(47), .. bits, PeerMap.Coil(58)];
        Assert.Equal(expectedBits, await client.ReadCoilsAsync(Unit, 47, 12));

        ushort[] values = [0, 1, 0x7FFF, 0x8000, 0xFFFF, 12345];
        await client.WriteMultipleRegistersAsync(Unit, 140, values);
        ushort[] expectedRegisters = [1139, .. values, 1146];
        Assert.Equal(expectedRegisters, await client.ReadHoldingRegistersAsync(Unit, 139, 8));
    }

    /// <summary>FC 23 writes before it reads (SPEC §1.1), so the read window sees the new values.</summary>
    public static async Task ReadWriteMultipleWritesFirstAsync(IModbusClient client)
    {
        var read = await client.ReadWriteMultipleRegistersAsync(Unit, 159, 5, 160, new ushort[] { 11, 22, 33 });
        Assert.Equal([1159, 11, 22, 33, 1163], read);
        Assert.Equal([11, 22, 33], await client.ReadHoldingRegistersAsync(Unit, 160, 3));
    }

    /// <summary>Outside the map the server answers exception 02; the client reports it and stays usable.</summary>
    public static async Task OutOfMapReadSurfacesIllegalDataAddressAsync(IModbusClient client)
    {
        var beyond = await Assert.ThrowsAsync<ModbusException>(() => client.ReadHoldingRegistersAsync(Unit, PeerMap.HoldingRegisters, 1).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, beyond.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadHoldingRegisters, beyond.FunctionCode);

        var straddling = await Assert.ThrowsAsync<ModbusException>(() => client.ReadInputRegistersAsync(Unit, 90, 20).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, straddling.ExceptionCode);
        Assert.Equal(ModbusFunctionCode.ReadInputRegisters, straddling.FunctionCode);

        var write = await Assert.ThrowsAsync<ModbusException>(() => client.WriteSingleRegisterAsync(Unit, 500, 1).AsTask());
        Assert.Equal(ModbusExceptionCode.IllegalDataAddress, write.ExceptionCode);

        Assert.Equal(PeerMap.HoldingRange(5, 2), await client.ReadHoldingRegistersAsync(Unit, 5, 2));
    }

    public static async Task ReadsDeviceIdentificationAsync(IModbusClient client)
    {
        var basic = await client.ReadDeviceIdentificationAsync(Unit, DeviceIdCategory.Basic);
        Assert.Equal(0x83, basic.ConformityLevel);
        Assert.Equal([0, 1, 2], basic.Objects.Select(o => (int)o.Id));
        Assert.Equal("PowerWatch", basic.VendorName);
        Assert.Equal("PW-PEER", basic.ProductCode);
        Assert.Equal("1.2", basic.MajorMinorRevision);

        var regular = await client.ReadDeviceIdentificationAsync(Unit, DeviceIdCategory.Regular);
        Assert.Equal(PeerMap.Identity.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)), regular.Objects.Select(o => (o.Id, o.Text)));

        var one = await client.ReadDeviceIdentificationAsync(Unit, DeviceIdCategory.Specific, 0x05);
        Assert.Equal("PEER-1", Assert.Single(one.Objects).Text);
        Assert.Equal(0x05, one.Objects[0].Id);
    }
}
