using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Agent.Polling;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Polling;

/// <summary>
/// Two devices behind one endpoint (a gateway with two unit ids, as on a shared RTU bus): a dead device costs the
/// bus one timeout per attempt once suspect and is then only probed, the healthy one keeps its fixed-rate slots,
/// and a device that comes back (or whose gateway restarts) is picked up again.
/// </summary>
public sealed class SharedEndpointTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static async Task<DeviceProfile> ApcAsync() =>
        (await ProfileLoader.LoadFileAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "apc-smart-ups-modbus.json"), CancellationToken.None)).GetProfileOrThrow();

    private static ModbusDataStore Store()
    {
        var store = new ModbusDataStore(allDefined: true);
        store.SetRegisters(ModbusTable.HoldingRegisters, 0, [0x0000, 0x0002]);
        store.SetRegister(ModbusTable.HoldingRegisters, 130, 0xC600);
        return store;
    }

    [Fact]
    public async Task Dead_unit_on_a_shared_endpoint_is_tried_once_per_attempt_then_probed_while_the_healthy_unit_keeps_its_slots()
    {
        var profile = await ApcAsync();
        var router = new ModbusUnitRouter();
        router.Map(1, new ModbusDataStoreHandler(Store(), 1)); // unit 2 has no handler: it never answers
        await using var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), router);
        await server.StartAsync();
        await using var client = new ModbusTcpClient("127.0.0.1", server.LocalEndPoint.Port, new ModbusClientOptions { Timeout = TimeSpan.FromMilliseconds(500), Retries = 0 });

        var time = new ManualTimeProvider();
        var planner = new PlannerOptions { MaxGap = 8 };
        var healthy = new PolledDevice(new DeviceState("ups-a", "ups", "apc", "tcp", Interval), new ModbusDeviceInput("ups-a", client, 1, profile, planner, TimeSpan.Zero, 2, time), TimeSpan.FromHours(1));
        var dead = new PolledDevice(new DeviceState("ups-b", "ups", "apc", "tcp", Interval), new ModbusDeviceInput("ups-b", client, 2, profile, planner, TimeSpan.Zero, 2, time), TimeSpan.FromHours(1));
        var poller = new EndpointPoller("tcp", [healthy, dead], new ReadingHub(), new AgentHealth(time), time, new PollBackoff { Jitter = 0 }, new Random(1), NullLogger.Instance);
        var start = time.GetUtcNow();
        foreach (var d in new[] { healthy, dead })
        {
            d.NextDue = start;
            d.Slot = start;
            d.NextSlowDue = start + TimeSpan.FromHours(1);
        }

        // Run the endpoint's schedule for 60 simulated seconds: always poll whichever device is due first.
        var deadRequests = new List<long>();
        while (true)
        {
            var next = healthy.NextDue <= dead.NextDue ? healthy : dead;
            if (next.NextDue > start + TimeSpan.FromSeconds(60))
            {
                break;
            }

            if (next.NextDue > time.GetUtcNow())
            {
                time.Advance(next.NextDue - time.GetUtcNow());
            }

            var before = client.Statistics.Requests;
            await poller.PollOnceAsync(next, CancellationToken.None);
            if (next == dead)
            {
                deadRequests.Add(client.Statistics.Requests - before);
            }
        }

        // The healthy unit was polled in every one of its 61 fixed-rate slots and never failed.
        Assert.Equal(61, healthy.State.Polls);
        Assert.Equal(0, healthy.State.Failures);
        Assert.True(healthy.State.Available);

        // The dead unit: the first attempt with retries (3 requests), then one request per attempt while suspect, with
        // exponential back-off and, after 5 failures, a probe every 30 s — so it cost the bus 8 timeouts in a minute,
        // not 3 per second.
        Assert.False(dead.State.Available);
        Assert.True(dead.State.CircuitOpen);
        Assert.Equal([3L, 1, 1, 1, 1, 1], deadRequests); // attempts at 0, 1, 3, 7, 15 and 45 s
    }

    [Fact]
    public async Task Device_whose_server_restarts_is_picked_up_again()
    {
        var profile = await ApcAsync();
        var time = new ManualTimeProvider();
        var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), new ModbusDataStoreHandler(Store(), 1));
        await server.StartAsync();
        var port = server.LocalEndPoint.Port;
        await using var client = new ModbusTcpClient("127.0.0.1", port, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(2), Retries = 0 });
        var device = new PolledDevice(new DeviceState("ups-a", "ups", "apc", "tcp", Interval), new ModbusDeviceInput("ups-a", client, 1, profile, new PlannerOptions { MaxGap = 8 }, TimeSpan.Zero, 0, time), TimeSpan.FromHours(1));
        var poller = new EndpointPoller("tcp", [device], new ReadingHub(), new AgentHealth(time), time, new PollBackoff { Jitter = 0 }, new Random(1), NullLogger.Instance);

        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.True(device.State.Available);

        await server.DisposeAsync(); // the device (or its gateway) goes away
        for (var i = 0; i < 3; i++)
        {
            time.Advance(device.NextDue - time.GetUtcNow());
            await poller.PollOnceAsync(device, CancellationToken.None);
        }

        Assert.False(device.State.Available);

        // It comes back on the same address: the next attempt reconnects and the device is available again.
        await using var restarted = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, port), new ModbusDataStoreHandler(Store(), 1));
        await restarted.StartAsync();
        time.Advance(device.NextDue - time.GetUtcNow());
        await poller.PollOnceAsync(device, CancellationToken.None);
        Assert.True(device.State.Available);
        Assert.Equal(0, device.State.ConsecutiveFailures);
        Assert.Equal(99.0, device.State.Snapshot(time.GetUtcNow()).Single(r => r.Metric == "battery.charge").Value.Number, 6);
    }
}
