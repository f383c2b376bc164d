using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PowerWatch.Agent.Alerts.Actions;
using PowerWatch.Agent.Configuration;
using PowerWatch.Agent.Outputs;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;
using PowerWatch.Simulators;
using PowerWatch.Simulators.Faces;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Alerts.Actions;

public sealed class AlertActionTests
{
    private static readonly DateTimeOffset s_raised = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static AlertInfo Alert(string rule = "ups-on-battery", string device = "ups1", double? value = 42.5) => new()
    {
        Id = AlertIds.Make(rule, device),
        Rule = rule,
        Device = device,
        Severity = AlertSeverity.Critical,
        Message = "UPS on battery",
        Value = value,
        RaisedAt = s_raised,
    };

    private static AlertActionDispatcher Dispatcher(AlertOptions options, TimeProvider? time = null, IEventPublisher? events = null, Func<string, ModbusCommandTarget?>? modbus = null) =>
        new(options, time ?? TimeProvider.System, NullLogger.Instance, events, modbus ?? (_ => null));

    private static async Task<(WebApplication App, Uri Url)> StartServerAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return (app, new Uri(app.Urls.First() + "/hook"));
    }

    private static AlertOptions WebhookOptions(Uri url, int maxAttempts = 3, TimeSpan? timeout = null) => new()
    {
        Actions = { ["hook"] = new AlertActionOptions { Kind = AlertActionKinds.Webhook, Url = url, MaxAttempts = maxAttempts, Backoff = TimeSpan.Zero, Timeout = timeout ?? TimeSpan.FromSeconds(10), Headers = { ["X-Token"] = "secret" } } },
    };

    [Fact]
    public async Task Webhook_posts_the_alert_as_json_with_configured_headers()
    {
        string? body = null;
        string? token = null;
        var (app, url) = await StartServerAsync(async ctx =>
        {
            token = ctx.Request.Headers["X-Token"];
            using var reader = new StreamReader(ctx.Request.Body);
            body = await reader.ReadToEndAsync();
            ctx.Response.StatusCode = 204;
        });
        await using var _ = app;
        await using var d = Dispatcher(WebhookOptions(url));

        var outcome = await d.RunAsync("hook", "raised", Alert(), CancellationToken.None);

        Assert.True(outcome.Success, outcome.Detail);
        Assert.Equal(204, outcome.HttpStatus);
        Assert.Equal("secret", token);
        using var json = JsonDocument.Parse(body!);
        var root = json.RootElement;
        Assert.Equal("hook", root.GetProperty("action").GetString());
        Assert.Equal("raised", root.GetProperty("trigger").GetString());
        Assert.Equal("ups-on-battery:ups1", root.GetProperty("id").GetString());
        Assert.Equal("ups-on-battery", root.GetProperty("rule").GetString());
        Assert.Equal("ups1", root.GetProperty("device").GetString());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        Assert.Equal("UPS on battery", root.GetProperty("message").GetString());
        Assert.Equal(42.5, root.GetProperty("value").GetDouble());
        Assert.Equal(s_raised, root.GetProperty("raised").GetDateTimeOffset());
    }

    [Fact]
    public async Task Webhook_retries_a_server_error_up_to_max_attempts_then_reports_failure()
    {
        var calls = 0;
        var (app, url) = await StartServerAsync(ctx =>
        {
            Interlocked.Increment(ref calls);
            ctx.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        await using var _ = app;
        await using var d = Dispatcher(WebhookOptions(url, maxAttempts: 3));

        var outcome = await d.RunAsync("hook", "raised", Alert(), CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(3, calls);
        Assert.Equal(500, outcome.HttpStatus);
    }

    [Fact]
    public async Task Webhook_does_not_retry_a_client_error()
    {
        var calls = 0;
        var (app, url) = await StartServerAsync(ctx =>
        {
            Interlocked.Increment(ref calls);
            ctx.Response.StatusCode = 404;
            return Task.CompletedTask;
        });
        await using var _ = app;
        await using var d = Dispatcher(WebhookOptions(url, maxAttempts: 5));

        var outcome = await d.RunAsync("hook", "raised", Alert(), CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal(1, calls);
        Assert.Equal(404, outcome.HttpStatus);
    }

    [Fact]
    public async Task Webhook_that_never_answers_times_out_on_the_injected_clock()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (app, url) = await StartServerAsync(async ctx =>
        {
            arrived.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        await using var _ = app;
        var time = new ManualTimeProvider();
        await using var d = Dispatcher(WebhookOptions(url, maxAttempts: 1, timeout: TimeSpan.FromSeconds(5)), time);

        var run = d.RunAsync("hook", "raised", Alert(), CancellationToken.None);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(outcome.Success);
        Assert.Contains("timed out", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_gets_its_arguments_as_a_list_and_the_alert_in_environment_variables()
    {
        var options = new AlertOptions
        {
            Actions =
            {
                ["env"] = new AlertActionOptions
                {
                    Kind = AlertActionKinds.Command,
                    Path = "/usr/bin/printenv",
                    Args = ["POWERWATCH_ALERT_ID", "POWERWATCH_ALERT_RULE", "POWERWATCH_ALERT_DEVICE", "POWERWATCH_ALERT_SEVERITY", "POWERWATCH_ALERT_STATE", "POWERWATCH_ALERT_MESSAGE", "POWERWATCH_ALERT_VALUE"],
                },
            },
        };
        await using var d = Dispatcher(options);

        var outcome = await d.RunAsync("env", "escalated", Alert(), CancellationToken.None);

        Assert.True(outcome.Success, outcome.Detail);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(["ups-on-battery:ups1", "ups-on-battery", "ups1", "critical", "escalated", "UPS on battery", "42.5"], outcome.Output!.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task Command_arguments_are_not_interpreted_by_a_shell()
    {
        var options = new AlertOptions
        {
            Actions = { ["echo"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/echo", Args = ["$POWERWATCH_ALERT_ID;", "a b", "*"] } },
        };
        await using var d = Dispatcher(options);

        var outcome = await d.RunAsync("echo", "raised", Alert(), CancellationToken.None);

        Assert.Equal("$POWERWATCH_ALERT_ID; a b *\n", outcome.Output);
    }

    [Fact]
    public async Task Command_non_zero_exit_code_is_reported_as_failure()
    {
        var options = new AlertOptions
        {
            Actions = { ["missing"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/printenv", Args = ["POWERWATCH_NOT_SET_ANYWHERE"] } },
        };
        await using var d = Dispatcher(options);

        var outcome = await d.RunAsync("missing", "raised", Alert(), CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("exit code 1", outcome.Detail);
    }

    [Fact]
    public async Task Command_that_outlives_its_timeout_is_killed()
    {
        var time = new ManualTimeProvider();
        var options = new AlertOptions
        {
            Actions = { ["slow"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/sleep", Args = ["600"], Timeout = TimeSpan.FromSeconds(3) } },
        };
        await using var d = Dispatcher(options, time);

        var run = d.RunAsync("slow", "raised", Alert(), CancellationToken.None);
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(3));
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(outcome.Success);
        Assert.Null(outcome.ExitCode);
        Assert.Contains("killed", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hanging_action_does_not_block_the_next_queued_action()
    {
        var time = new ManualTimeProvider();
        var options = new AlertOptions
        {
            Actions =
            {
                ["slow"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/sleep", Args = ["600"], Timeout = TimeSpan.FromMinutes(5) },
                ["fast"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/true" },
            },
            Triggers = { new AlertActionTrigger { Rule = "ups-on-battery", Action = "slow" }, new AlertActionTrigger { Rule = "ups-on-battery", Action = "fast" } },
        };
        await using var d = Dispatcher(options, time);
        var fast = new TaskCompletionSource<AlertActionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        d.Completed += (_, o) =>
        {
            if (o.Action == "fast")
            {
                fast.TrySetResult(o);
            }
        };

        Assert.Equal(2, d.Enqueue([new AlertTransition(AlertTransitionKind.Raised, Alert(), s_raised)]));
        var outcome = await fast.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(outcome.Success);
        time.Advance(TimeSpan.FromMinutes(5)); // lets the slow one time out so disposal is prompt
    }

    [Fact]
    public async Task Cleared_transitions_run_only_actions_triggered_on_cleared()
    {
        var options = new AlertOptions
        {
            Actions = { ["a"] = new AlertActionOptions { Kind = AlertActionKinds.Command, Path = "/usr/bin/true" } },
            Triggers = { new AlertActionTrigger { Rule = "ups-on-battery", Action = "a", On = ["raised"] } },
        };
        await using var d = Dispatcher(options);

        Assert.Equal(0, d.Enqueue([new AlertTransition(AlertTransitionKind.Cleared, Alert(), s_raised)]));
        Assert.Equal(0, d.Enqueue([new AlertTransition(AlertTransitionKind.Raised, Alert(rule: "other"), s_raised)]));
    }

    [Fact]
    public void Invalid_action_configuration_is_reported_with_key_paths()
    {
        var actions = new Dictionary<string, AlertActionOptions>
        {
            ["hook"] = new() { Kind = AlertActionKinds.Webhook, Url = new Uri("ftp://x/"), MaxAttempts = 9 },
            ["cmd"] = new() { Kind = AlertActionKinds.Command, Path = "relative/tool" },
            ["gen"] = new() { Kind = AlertActionKinds.ModbusWrite, Device = "generator" },
            ["odd"] = new() { Kind = "email" },
        };
        var problems = AlertActionValidation.Validate(actions, [new AlertActionTrigger { Rule = "r", Action = "nope", On = ["sometimes"] }],
            [("PowerWatch:Alerts:Rules:0", ["ghost"])], 64).ToList();

        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Actions:hook:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Actions:hook:MaxAttempts must be 1..5", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Actions:cmd:Path", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Actions:gen: Device and Command", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Actions:odd:Kind", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Triggers:0:Action 'nope'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Triggers:0:On", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PowerWatch:Alerts:Rules:0:Actions: 'ghost'", StringComparison.Ordinal));
    }

    [Fact]
    public void Valid_action_configuration_has_no_problems()
    {
        var actions = new Dictionary<string, AlertActionOptions>
        {
            ["hook"] = new() { Kind = AlertActionKinds.Webhook, Url = new Uri("https://example.invalid/hook") },
            ["gen"] = new() { Kind = AlertActionKinds.ModbusWrite, Device = "generator", Command = "telemetry.start" },
        };

        Assert.Empty(AlertActionValidation.Validate(actions, [new AlertActionTrigger { Rule = FailoverRules.GeneratorStartRequired, Action = "gen" }], [], 64));
    }

    // ---- opt-in generator remote start against the simulated DSE controller ----

    private sealed class RecordingEvents : IEventPublisher
    {
        public ConcurrentQueue<EventMessage> Events { get; } = new();

        public ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken)
        {
            Events.Enqueue(message);
            return ValueTask.CompletedTask;
        }

        public ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class SimulatedGenerator : IAsyncDisposable
    {
        private SimulatedGenerator(Site site, DseGenCommFace face, ModbusTcpServer server, ModbusTcpClient client, DeviceProfile profile)
        {
            Site = site;
            Face = face;
            Server = server;
            Client = client;
            Profile = profile;
            Face.Store.Written += (_, e) => Writes.Enqueue((e.Write.Start, e.Write.Registers.ToArray()));
        }

        public Site Site { get; }

        public DseGenCommFace Face { get; }

        public ModbusTcpServer Server { get; }

        public ModbusTcpClient Client { get; }

        public DeviceProfile Profile { get; }

        public ConcurrentQueue<(ushort Start, ushort[] Registers)> Writes { get; } = new();

        public static async Task<SimulatedGenerator> StartAsync()
        {
            var site = Site.Create();
            var face = new DseGenCommFace(site);
            var server = new ModbusTcpServer(new IPEndPoint(IPAddress.Loopback, 0), face.CreateHandler(1));
            await server.StartAsync();
            var client = new ModbusTcpClient(server.LocalEndPoint, new ModbusClientOptions { Timeout = TimeSpan.FromSeconds(5) });
            var profile = (await ProfileLoader.LoadFileAsync(Path.Combine(AppContext.BaseDirectory, "profiles", "dse-gencomm.json"), CancellationToken.None)).GetProfileOrThrow();
            return new SimulatedGenerator(site, face, server, client, profile);
        }

        public ModbusCommandTarget? Find(string id) => id == "generator" ? new ModbusCommandTarget(Client, 1, Profile) : null;

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    private static AlertOptions RemoteStartOptions(bool allowed) => new()
    {
        Actions = { ["generator-remote-start"] = new AlertActionOptions { Kind = AlertActionKinds.ModbusWrite, Device = "generator", Command = "telemetry.start", Timeout = TimeSpan.FromSeconds(10) } },
        Triggers = { new AlertActionTrigger { Rule = FailoverRules.GeneratorStartRequired, Action = "generator-remote-start" } },
        AllowedCommands = allowed ? new() { ["generator"] = ["telemetry.start"] } : new() { ["generator"] = ["mode.auto"] },
    };

    private static async Task<AlertActionOutcome> RaiseStartRequiredAsync(AlertActionDispatcher d)
    {
        var done = new TaskCompletionSource<AlertActionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        d.Completed += (_, o) => done.TrySetResult(o);
        var engine = new AlertEngine(DefaultAlertRules.Create(), new AlertEngineOptions(), new ManualTimeProvider());
        engine.RegisterDevice("generator", "generator");
        var transitions = engine.ApplyConditions([new AlertCondition(FailoverRules.GeneratorStartRequired, "generator", AlertSeverity.Info, "Generator start required (generator): utility lost")]);
        Assert.Contains(transitions, t => t.Kind == AlertTransitionKind.Raised);
        Assert.Equal(1, d.Enqueue(transitions));
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Allowed_generator_start_alarm_writes_the_dse_telemetry_start_key_pair_and_the_generator_starts()
    {
        await using var gen = await SimulatedGenerator.StartAsync();
        Assert.Equal(GeneratorMode.Auto, gen.Face.Generator.Mode);
        Assert.False(gen.Face.Generator.RunRequested);
        var events = new RecordingEvents();
        await using var d = Dispatcher(RemoteStartOptions(allowed: true), events: events, modbus: gen.Find);

        var outcome = await RaiseStartRequiredAsync(d);

        Assert.True(outcome.Success, outcome.Detail);
        // DSE GenComm system control keys: key 35732 (telemetry start) to 4104 and its complement 65535 - key to 4105, one FC16.
        var write = Assert.Single(gen.Writes);
        Assert.Equal((ushort)4104, write.Start);
        Assert.Equal(new ushort[] { 35732, 29803 }, write.Registers);
        Assert.Equal(1, gen.Face.CommandsAccepted);
        Assert.True(gen.Face.Generator.TelemetryStartActive);
        gen.Site.AdvanceTo(TimeSpan.FromSeconds(30), Site.DefaultStep);
        Assert.NotEqual(EngineOperatingState.Stopped, gen.Face.Generator.EngineState);
        Assert.Contains(events.Events, e => e.Type == "action" && e.AlertId == "generator-start-required:generator" && e.Message.Contains("succeeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generator_start_alarm_without_allow_list_entry_writes_nothing_and_publishes_a_refusal()
    {
        await using var gen = await SimulatedGenerator.StartAsync();
        var events = new RecordingEvents();
        await using var d = Dispatcher(RemoteStartOptions(allowed: false), events: events, modbus: gen.Find);

        var outcome = await RaiseStartRequiredAsync(d);

        Assert.True(outcome.Refused);
        Assert.False(outcome.Success);
        Assert.Empty(gen.Writes);
        Assert.Equal(0, gen.Face.CommandsAccepted);
        Assert.False(gen.Face.Generator.TelemetryStartActive);
        gen.Site.AdvanceTo(TimeSpan.FromSeconds(30), Site.DefaultStep);
        Assert.Equal(EngineOperatingState.Stopped, gen.Face.Generator.EngineState);
        Assert.Contains(events.Events, e => e.Type == "action" && e.Device == "generator" && e.Message.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Generator_start_alarm_without_a_trigger_queues_no_action()
    {
        await using var gen = await SimulatedGenerator.StartAsync();
        var options = RemoteStartOptions(allowed: true);
        options.Triggers.Clear();
        await using var d = Dispatcher(options, modbus: gen.Find);
        var engine = new AlertEngine(DefaultAlertRules.Create(), new AlertEngineOptions(), new ManualTimeProvider());
        engine.RegisterDevice("generator", "generator");

        var queued = d.Enqueue(engine.ApplyConditions([new AlertCondition(FailoverRules.GeneratorStartRequired, "generator", AlertSeverity.Info, "start required")]));

        Assert.Equal(0, queued);
        Assert.Empty(gen.Writes);
    }

    // ---- shutdown ----

    private static FailoverUpsState Margin(double? seconds) => new() { Ups = "ups1", Phase = "utility-lost", GeneratorState = "stopped", MarginSeconds = seconds };

    [Fact]
    public async Task Shutdown_fires_once_when_the_margin_falls_below_the_threshold_and_rearms_after_the_hold_off()
    {
        var time = new ManualTimeProvider();
        var options = new AlertOptions
        {
            Actions = { ["halt"] = new AlertActionOptions { Kind = AlertActionKinds.Shutdown, Path = "/usr/bin/printenv", Args = ["POWERWATCH_ALERT_DEVICE"], MinMarginSeconds = 60, HoldOff = TimeSpan.FromMinutes(10) } },
            AllowedCommands = { ["host"] = ["halt"] },
        };
        await using var d = Dispatcher(options, time);
        var outcomes = new ConcurrentQueue<AlertActionOutcome>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        d.Completed += (_, o) =>
        {
            outcomes.Enqueue(o);
            first.TrySetResult();
        };

        Assert.Equal(0, d.ObserveFailover([Margin(300)]));
        Assert.Equal(0, d.ObserveFailover([Margin(null)]));
        Assert.Equal(1, d.ObserveFailover([Margin(59)]));

        // The command's own timeout runs on the same (manual) clock: let it finish before time is moved on, or a
        // slow process start on a loaded machine is "killed" by the test's jump of five minutes.
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var outcome = Assert.Single(outcomes);
        Assert.True(outcome.Success, outcome.Detail);
        Assert.Equal("ups1\n", outcome.Output);

        Assert.Equal(0, d.ObserveFailover([Margin(30)]));
        Assert.Equal(0, d.ObserveFailover([Margin(120)])); // back above, but not for the hold-off
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, d.ObserveFailover([Margin(40)]));
        Assert.Single(outcomes);

        Assert.Equal(0, d.ObserveFailover([Margin(120)]));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, d.ObserveFailover([Margin(120)]));
        Assert.Equal(1, d.ObserveFailover([Margin(10)]));
    }

    [Fact]
    public async Task Shutdown_fires_on_remaining_runtime_when_the_generator_cannot_carry_the_load()
    {
        var time = new ManualTimeProvider();
        var options = new AlertOptions
        {
            Actions = { ["halt"] = new AlertActionOptions { Kind = AlertActionKinds.Shutdown, Path = "/usr/bin/true", MinMarginSeconds = 120 } },
            AllowedCommands = { ["host"] = ["halt"] },
        };
        await using var d = Dispatcher(options, time);
        var outcomes = new ConcurrentQueue<AlertActionOutcome>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        d.Completed += (_, o) =>
        {
            outcomes.Enqueue(o);
            done.TrySetResult();
        };

        // Generator failed: no margin, no generator need. On battery, runtime is all there is.
        FailoverUpsState Failed(double? runtime, bool onBattery = true) => new()
        {
            Ups = "ups1", Phase = "generator-unavailable", GeneratorState = "fail-to-start",
            OnBattery = onBattery, RuntimeUsedSeconds = runtime, MarginSeconds = null, GeneratorNeedSeconds = null,
        };
        Assert.Equal(0, d.ObserveFailover([Failed(600)]));
        Assert.Equal(0, d.ObserveFailover([Failed(90, onBattery: false)])); // on utility: no threat
        Assert.Equal(0, d.ObserveFailover([Failed(null)]));                 // runtime unknown: nothing to compare
        Assert.Equal(1, d.ObserveFailover([Failed(90)]));
        Assert.Equal(0, d.ObserveFailover([Failed(60)]));                   // fires once
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(Assert.Single(outcomes).Success);
    }

    [Fact]
    public async Task Shutdown_not_in_the_host_allow_list_is_refused()
    {
        var options = new AlertOptions
        {
            Actions = { ["halt"] = new AlertActionOptions { Kind = AlertActionKinds.Shutdown, Path = "/usr/bin/true", MinMarginSeconds = 60 } },
        };
        await using var d = Dispatcher(options);

        var outcome = await d.RunAsync("halt", "margin", Alert(), CancellationToken.None);

        Assert.True(outcome.Refused);
        Assert.Null(outcome.ExitCode);
    }
}
