using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Configuration;

namespace PowerWatch.Agent.Ingest;

/// <summary>The <c>powerwatch ingest --config file.json</c> verb (sections <c>PowerWatch:Mqtt</c> and <c>PowerWatch:Ingest</c>).</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c") { Description = "configuration file (JSON) with PowerWatch:Mqtt and PowerWatch:Ingest; environment variables override it", Required = true };
        var command = new Command("ingest", "Subscribe to PowerWatch telemetry, alerts and failover over MQTT and write them to InfluxDB (at-least-once)");
        command.Options.Add(config);
        command.SetAction(async (parse, ct) => await RunAsync(parse.GetValue(config)!.FullName, ct));
        return command;
    }

    /// <summary>Loads the configuration, validates it and ingests until cancelled; returns the exit code.</summary>
    public static async Task<int> RunAsync(string configPath, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(configPath);
        if (ConfigFile.Load(configPath, environment: true, [], out var configuration) is { } fileProblem)
        {
            // The same one line as run and check-config: missing, unreadable, or invalid JSON with line and column.
            await Console.Error.WriteLineAsync($"{name}: {fileProblem.ToString(null)}");
            return 2;
        }

        var mqtt = new MqttOptions();
        var ingest = new IngestOptions();
        try
        {
            configuration.GetSection(MqttOptions.Section).Bind(mqtt);
            configuration.GetSection(IngestOptions.Section).Bind(ingest);
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"{name}: {ex.Message}");
            return 2;
        }

        var problems = Validate(mqtt, ingest);
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                await Console.Error.WriteLineAsync($"{name}: {p}");
            }

            return 2;
        }

        using var loggerFactory = Hosting.OperatorConsoleLogging.CreateFactory();
        await using var runner = new IngestRunner(ingest, mqtt, TimeProvider.System, loggerFactory.CreateLogger<IngestRunner>());

        // Type=notify under systemd: READY=1 once subscribed, WATCHDOG=1 at half the requested period while running.
        using var notifier = new Hosting.SystemdNotifier(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));
        using var stopNotify = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // SIGTERM (systemctl stop) and SIGINT stop ingest cleanly: STOPPING=1, a final flush, exit 0. The token the
        // command line passes is not cancelled by them, and ingest has no generic host to do it.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var notify = NotifyAsync(notifier, runner.Ready, stopNotify.Token);
        try
        {
            await runner.RunAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (IngestStartException ex)
        {
            await Console.Error.WriteLineAsync($"{name}: {ex.Message}");
            return 2;
        }
        finally
        {
            await stopNotify.CancelAsync();
            await notify;
            await notifier.NotifyAsync("STOPPING=1", CancellationToken.None);
        }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5), TimeProvider.System);
        try
        {
            await runner.FlushAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            // Undelivered messages stay unacknowledged and come back.
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already shutting down.
            }
        }
    }

    /// <summary>Every problem in the two sections, each naming its key.</summary>
    public static IReadOnlyList<ConfigProblem> Validate(MqttOptions mqtt, IngestOptions ingest)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(ingest);
        var enabled = new MqttOptions
        {
            Enabled = true, Host = mqtt.Host, Port = mqtt.Port, ProtocolVersion = mqtt.ProtocolVersion, Qos = mqtt.Qos,
            TopicPrefix = mqtt.TopicPrefix, KeepAlive = mqtt.KeepAlive, MaxInFlight = mqtt.MaxInFlight,
        };
        var p = Outputs.Mqtt.MqttServices.Validate(enabled, MqttOptions.Section).Select(x => new ConfigProblem(x.Key, x.Reason)).ToList();
        const string S = IngestOptions.Section;
        if (!Uri.TryCreate(ingest.Influx.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            p.Add(new($"{S}:Influx:Url", $"'{ingest.Influx.Url}' is not an http(s) URL"));
        }

        if (ingest.Influx.ApiVersion is not ("V1" or "v1" or "V2" or "v2"))
        {
            p.Add(new($"{S}:Influx:ApiVersion", "must be V1 or V2"));
        }
        else if (ingest.Influx.ApiVersion is "V1" or "v1" && string.IsNullOrWhiteSpace(ingest.Influx.Database))
        {
            p.Add(new($"{S}:Influx:Database", "is required for ApiVersion V1"));
        }
        else if (ingest.Influx.ApiVersion is "V2" or "v2" && string.IsNullOrWhiteSpace(ingest.Influx.Bucket))
        {
            p.Add(new($"{S}:Influx:Bucket", "is required for ApiVersion V2"));
        }

        if (string.IsNullOrWhiteSpace(ingest.DeadLetterFile))
        {
            p.Add(new($"{S}:DeadLetterFile", "is required"));
        }

        if (ingest.MaxBatchLines < 1)
        {
            p.Add(new($"{S}:MaxBatchLines", "must be at least 1"));
        }

        if (ingest.FlushInterval <= TimeSpan.Zero)
        {
            p.Add(new($"{S}:FlushInterval", "must be positive"));
        }

        if (ingest.ReceiveMaximum is < 1 or > 65535)
        {
            p.Add(new($"{S}:ReceiveMaximum", "must be 1..65535"));
        }

        if (ingest.GapGrace <= TimeSpan.Zero)
        {
            p.Add(new($"{S}:GapGrace", "must be positive"));
        }

        if (ingest.SharedGroup is { Length: > 0 } g && g.AsSpan().IndexOfAny("/+#") >= 0)
        {
            p.Add(new($"{S}:SharedGroup", "must not contain '/', '+' or '#'"));
        }

        return p;
    }

    private static async Task NotifyAsync(Hosting.SystemdNotifier notifier, Task ready, CancellationToken cancellationToken)
    {
        if (!notifier.IsEnabled)
        {
            return;
        }

        try
        {
            await ready.WaitAsync(cancellationToken);
            await notifier.NotifyAsync("READY=1\nSTATUS=ingesting", cancellationToken);
            if (Hosting.SystemdNotifier.WatchdogInterval(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"), Environment.ProcessId) is not { } period)
            {
                return;
            }

            using var timer = new PeriodicTimer(period / 2, TimeProvider.System);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await notifier.NotifyAsync("WATCHDOG=1", cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
