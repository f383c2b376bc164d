using System.Net;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Core;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Tests.Inputs.Modbus;

public sealed class ModbusDeviceInputTests
{
    private static async Task<DeviceProfile> ApcProfileAsync() =>
        (await ProfileLoader.LoadFileAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "apc-smart-ups-modbus.json"), CancellationToken.None)).GetProfileOrThrow();

    [Fact]
    public async Task Profile_registers_are_read_in_planned_blocks_and_decoded()
    {
        var profile = await ApcProfileAsync();
        var store = new ModbusDataStore(allDefined: true);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, [0x0000, 0x0002]); // UPSStatus_BF bit 1: online (SPEC §2.3)
        store.SetRegister(ModbusTable.HoldingRegisters, 128, 0);
        store.SetRegister(ModbusTable.HoldingRegisters, 129, 1234);            // runtime 1234 s
        store.SetRegister(ModbusTable.HoldingRegisters, 130, 0xC600);          // 99 % (÷512, SPEC §2.2)
        await using var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(store, 1));
        await server.StartAsync();
        await using var client = new ModbusTcpClient("127.0.0.1", server.LocalEndPoint.Port, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0 });
        var input = new ModbusDeviceInput("ups-a", client, 1, profile, new PlannerOptions { MaxGap = 8 }, TimeSpan.Zero, 0, TimeProvider.System);

        var readings = await input.PollAsync(new PollRequest(false, DateTimeOffset.UnixEpoch, 7, false), CancellationToken.None);

        var byMetric = readings.ToDictionary(r => r.Metric);
        Assert.Equal(99.0, byMetric["battery.charge"].Value.Number, 6);
        Assert.Equal(1234.0, byMetric["battery.runtime"].Value.Number);
        Assert.Contains("OL", byMetric["ups.status"].Value.Text.Split(' '));
        Assert.All(readings, r => Assert.Equal(7, r.Sequence));

        // The planner merged the fast registers into few reads, every one within the 125-register limit.
        var plan = input.Plan(includeSlow: false);
        Assert.All(plan, p => Assert.InRange(p.Count, 1, 125));
        Assert.True(plan.Count < profile.RegistersOf(PollClass.Fast).Count());
    }

    [Fact]
    public async Task Block_refused_with_an_exception_gives_bad_readings_not_a_failed_poll()
    {
        var profile = await ApcProfileAsync();
        var store = new ModbusDataStore(allDefined: false);
        store.Define(ModbusTable.HoldingRegisters, 0, 27);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, [0x0000, 0x0002]);
        await using var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(store, 1));
        await server.StartAsync();
        await using var client = new ModbusTcpClient("127.0.0.1", server.LocalEndPoint.Port, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0 });
        var input = new ModbusDeviceInput("ups-a", client, 1, profile, new PlannerOptions { MaxGap = 8 }, TimeSpan.Zero, 0, TimeProvider.System);

        var readings = await input.PollAsync(new PollRequest(false, DateTimeOffset.UnixEpoch, 1, false), CancellationToken.None);

        Assert.Equal(Quality.Good, readings.Single(r => r.Metric == "ups.status").Quality);
        Assert.Equal(Quality.Bad, readings.Single(r => r.Metric == "battery.charge").Quality);
    }

    [Fact]
    public async Task Silent_device_fails_the_poll_with_a_timeout()
    {
        var profile = await ApcProfileAsync();
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var client = new ModbusTcpClient("127.0.0.1", port, new ModbusClientOptions { Timeout = TimeSpan.FromMilliseconds(200), Retries = 0 });
        var input = new ModbusDeviceInput("ups-a", client, 1, profile, new PlannerOptions(), TimeSpan.Zero, 1, TimeProvider.System);

        await Assert.ThrowsAsync<ModbusTimeoutException>(() => input.PollAsync(new PollRequest(false, DateTimeOffset.UnixEpoch, 1, true), CancellationToken.None));
    }

    [Fact]
    public async Task Outlets_above_the_last_read_outlet_count_are_not_polled_again()
    {
        // Xerus map: register 3 = number of outlets; outlet n at 0x8000 + (n - 1) * 0x100; a block that is not there answers 02.
        var profile = (await ProfileLoader.LoadFileAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "raritan-xerus-pdu.json"), CancellationToken.None)).GetProfileOrThrow();
        var store = new ModbusDataStore(allDefined: false);
        store.Define(ModbusTable.HoldingRegisters, 0, 5);
        store.Define(ModbusTable.HoldingRegisters, 0x3000, 0x26);
        for (var n = 1; n <= 5; n++)
        {
            store.Define(ModbusTable.HoldingRegisters, (ushort)(0x8000 + ((n - 1) * 0x100)), 0x26);
        }

        store.SetRegister(ModbusTable.HoldingRegisters, 3, 3);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0x8000 + 0x20A, [0x3F40, 0x0000]); // outlet 3: 0.75 A
        await using var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(store, 1));
        await server.StartAsync();
        await using var client = new ModbusTcpClient("127.0.0.1", server.LocalEndPoint.Port, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5), Retries = 0 });
        var input = new ModbusDeviceInput("pdu-a", client, 1, profile, new PlannerOptions { MaxGap = 16 }, TimeSpan.Zero, 0, TimeProvider.System);
        var before = input.Plan(includeSlow: false).Count;

        var first = await input.PollAsync(new PollRequest(false, DateTimeOffset.UnixEpoch, 1, false), CancellationToken.None);
        var afterThree = input.Plan(includeSlow: false).Count;
        store.SetRegister(ModbusTable.HoldingRegisters, 3, 5);
        await input.PollAsync(new PollRequest(false, DateTimeOffset.UnixEpoch, 2, false), CancellationToken.None);
        var afterFive = input.Plan(includeSlow: false).Count;

        Assert.Equal(2 + 48, before);   // header, inlet, every outlet slot until the count is known
        Assert.Equal(2 + 3, afterThree);
        Assert.Equal(2 + 5, afterFive);
        Assert.Equal(0.75, first.Single(r => r.Metric == "outlet.3.current").Value.Number);
        Assert.DoesNotContain(first, r => r.Metric == "outlet.4.current");
    }
}
