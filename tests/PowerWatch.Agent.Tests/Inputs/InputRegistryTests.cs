using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Inputs;
using PowerWatch.Agent.Inputs.Modbus;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Tests.Inputs;

public sealed class InputRegistryTests
{
    [Fact]
    public void Built_in_registry_names_every_shipped_input_once()
    {
        Assert.Equal(["modbus", "nut", "megatec-q1", "apc-smart", "snmp"], InputRegistry.BuiltIn.Names);
        Assert.Null(InputRegistry.BuiltIn.Find("bacnet"));
    }

    [Fact]
    public void An_input_registered_twice_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => InputRegistry.BuiltIn.With(new ModbusInputFactory()));
        Assert.Contains("'modbus' is registered twice", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_accepts_an_input_only_when_the_registry_knows_it()
    {
        var options = new AgentOptions { Site = "dc1", Agent = "a1" };
        options.Devices.Add(new DeviceOptions { Id = "x-1", Kind = "meter", Input = "fixed", Endpoint = "tcp://127.0.0.1:1" });

        var builtIn = ConfigValidator.Validate(options);
        var problem = Assert.Single(builtIn);
        Assert.Equal("PowerWatch:Devices:0:Input", problem.Key);
        Assert.Equal("'fixed' is not one of modbus, nut, megatec-q1, apc-smart, snmp", problem.Reason);

        Assert.Empty(ConfigValidator.Validate(options, InputRegistry.BuiltIn.With(new FixedInputFactory())));
    }

    [Fact]
    public void Input_specific_checks_run_only_for_devices_of_that_input()
    {
        var options = new AgentOptions { Site = "dc1", Agent = "a1" };
        options.Devices.Add(new DeviceOptions { Id = "ups-n", Kind = "ups", Input = "nut", Endpoint = "nut://127.0.0.1:3493/ups" });
        options.Devices.Add(new DeviceOptions { Id = "ups-m", Kind = "ups", Input = "modbus", Endpoint = "tcp://127.0.0.1:502" });

        // The NUT device needs no profile; the Modbus device does, and says so under its own key.
        var problem = Assert.Single(ConfigValidator.Validate(options));
        Assert.Equal("PowerWatch:Devices:1:Profile", problem.Key);
    }

    [Fact]
    public async Task An_added_input_is_polled_by_the_agent_without_touching_the_polling_code()
    {
        var settings = new Dictionary<string, string?>
        {
            ["PowerWatch:Site"] = "dc1",
            ["PowerWatch:Agent"] = "a1",
            ["PowerWatch:DataDirectory"] = Directory.CreateTempSubdirectory("pw-inputs-").FullName,
            ["PowerWatch:Status:Url"] = "http://127.0.0.1:0",
            ["PowerWatch:Devices:0:Id"] = "meter-1",
            ["PowerWatch:Devices:0:Kind"] = "meter",
            ["PowerWatch:Devices:0:Input"] = "fixed",
            ["PowerWatch:Devices:0:Endpoint"] = "tcp://127.0.0.1:9",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var registry = InputRegistry.BuiltIn.With(new FixedInputFactory());
        var (options, problems) = ConfigValidator.BindAndValidate(configuration);
        Assert.Equal("PowerWatch:Devices:0:Input", Assert.Single(problems).Key); // the CLI knows only the built-in inputs
        await using var app = AgentHost.Build(configuration, options, new Dictionary<string, DeviceProfile>(), s => s.AddSingleton(registry));
        // Subscribed before start: the poller records the device's state, then publishes the result here.
        var results = app.Services.GetRequiredService<PowerWatch.Agent.Pipeline.ReadingHub>().Subscribe("test");
        await app.StartAsync();
        try
        {
            var device = Assert.Single(app.Services.GetRequiredService<AgentRuntime>().Devices);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var first = await results.ReadAsync(patience.Token);

            Assert.Equal("meter-1", first.Device);
            Assert.True(device.Available);
            Assert.Equal("fixed meter", device.Model);
            Assert.Contains(device.Snapshot(DateTimeOffset.UtcNow), r => r.Metric == "input.voltage" && r.Value.Number == 230);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Pollers_and_modbus_write_actions_share_the_endpoint_client_from_the_pool()
    {
        var (profiles, _) = await AgentServices.LoadProfilesAsync(Path.Combine(AppContext.BaseDirectory, "profiles"), CancellationToken.None);
        var options = new AgentOptions { Site = "dc1", Agent = "a1" };
        options.Devices.Add(new DeviceOptions { Id = "gen-1", Kind = "generator", Endpoint = "tcp://127.0.0.1:1502", UnitId = 10, Profile = "dse-gencomm" });
        options.Devices.Add(new DeviceOptions { Id = "ups-1", Kind = "ups", Endpoint = "tcp://127.0.0.1:1502", UnitId = 1, Profile = "apc-smart-ups-modbus" });
        await using var pool = new EndpointClientPool();
        var context = new InputContext(options, profiles, pool, TimeProvider.System);
        await using var runtime = AgentRuntime.Build(options, profiles, new PowerWatch.Agent.Pipeline.ReadingHub(), new AgentHealth(TimeProvider.System), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, clients: pool);

        Assert.Equal(1, pool.Count); // two devices behind one gateway: one connection
        var target = ModbusInputFactory.FindTarget("gen-1", context);
        Assert.NotNull(target);
        Assert.Equal(1, pool.Count); // the action got the poller's client, not a second connection
        Assert.Equal(10, target.UnitId);
        Assert.Null(ModbusInputFactory.FindTarget("nosuch", context));
    }

    [Fact]
    public async Task Pool_returns_one_client_per_key_and_disposes_every_client_even_when_one_fails()
    {
        var pool = new EndpointClientPool();
        var a = pool.GetOrAdd("k1", () => new Disposable(fail: true));
        Assert.Same(a, pool.GetOrAdd("k1", () => new Disposable(fail: false)));
        var b = pool.GetOrAdd("k2", () => new Disposable(fail: false));
        var ex = Assert.Throws<InvalidOperationException>(() => pool.GetOrAdd("k1", () => new EndpointClientPool()));
        Assert.Contains("already has a Disposable", ex.Message, StringComparison.Ordinal);

        await pool.DisposeAsync();
        Assert.True(a.Disposed);
        Assert.True(b.Disposed);
        Assert.Throws<ObjectDisposedException>(() => pool.GetOrAdd("k3", () => new Disposable(fail: false)));
    }

    private sealed class Disposable(bool fail) : IAsyncDisposable
    {
        public bool Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return fail ? throw new IOException("socket already gone") : ValueTask.CompletedTask;
        }
    }

    /// <summary>An input added by a host: every poll reads 230 V.</summary>
    private sealed class FixedInputFactory : IInputFactory
    {
        public string Name => "fixed";

        public CreatedInput Create(DeviceOptions device, DeviceEndpoint endpoint, InputContext context) => new(new FixedInput(device.Id), "fixed meter");
    }

    private sealed class FixedInput(string device) : IDeviceInput
    {
        public Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Reading>>([new Reading(device, "input.voltage", ReadingValue.FromNumber(230), "V", request.Timestamp, Quality.Good, request.Sequence)]);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
