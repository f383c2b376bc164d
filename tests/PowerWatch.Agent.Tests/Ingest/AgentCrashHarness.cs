using System.Globalization;
using System.Text;
using System.Text.Json;
using PowerWatch.Mqtt;
using PowerWatch.TestSupport;

namespace PowerWatch.Agent.Tests.Ingest;

/// <summary>One telemetry message as a subscriber received it (device, seq and ts read from the payload).</summary>
internal sealed record ReceivedTelemetry(string Device, long Seq, DateTimeOffset Ts, string Payload, bool Duplicate);

/// <summary>
/// A subscriber on every device's telemetry topic with a persistent session (MQTT 5, clean start off, one hour
/// session expiry, QoS 1, automatic reconnect), so the broker queues what arrives while it is away and nothing is
/// missed across a broker restart. Records every message it receives, duplicates included.
/// </summary>
internal sealed class TelemetryRecorder : IAsyncDisposable
{
    private readonly MqttClient _client;
    private readonly List<ReceivedTelemetry> _received = [];
    private readonly List<string> _unreadable = [];
    private readonly Lock _gate = new();
    private Task _reader = Task.CompletedTask;

    private TelemetryRecorder(MqttClient client)
    {
        _client = client;
    }

    public static async Task<TelemetryRecorder> StartAsync(int brokerPort, string topicFilter)
    {
        var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = brokerPort,
            ClientId = "pw-crash-recorder",
            CleanStart = false,
            SessionExpiry = TimeSpan.FromHours(1),
            AutoReconnect = true,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            ReceiveBufferCapacity = 10_000,
        });
        var recorder = new TelemetryRecorder(client);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(timeout.Token);
        var granted = await client.SubscribeAsync(topicFilter, MqttQualityOfService.AtLeastOnce, timeout.Token);
        Assert.True(granted.Succeeded, $"subscription to {topicFilter} refused");
        recorder._reader = recorder.ReadAsync();
        return recorder;
    }

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedTelemetry> Snapshot()
    {
        lock (_gate)
        {
            return [.. _received];
        }
    }

    /// <summary>Payloads on the telemetry topics that had no device, seq or ts (should stay empty).</summary>
    public IReadOnlyList<string> Unreadable()
    {
        lock (_gate)
        {
            return [.. _unreadable];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        await _reader;
    }

    private async Task ReadAsync()
    {
        await foreach (var m in _client.ReceivedMessages.ReadAllAsync())
        {
            var text = Encoding.UTF8.GetString(m.Payload.Span);
            ReceivedTelemetry? t = null;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                t = new ReceivedTelemetry(
                    root.GetProperty("device").GetString()!,
                    root.GetProperty("seq").GetInt64(),
                    DateTimeOffset.Parse(root.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture),
                    text,
                    m.Duplicate);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
            }

            lock (_gate)
            {
                if (t is null)
                {
                    _unreadable.Add($"{m.Topic}: {text}");
                }
                else
                {
                    _received.Add(t);
                }
            }
        }
    }
}

/// <summary>A real <c>powerwatch run</c> process and its loopback status API (/metrics, /api/devices).</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly HttpClient _http;

    private AgentProcess(PeerProcess process, Uri statusUrl)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = statusUrl, Timeout = TimeSpan.FromSeconds(5) };
    }

    public PeerProcess Process => _process;

    /// <summary>
    /// Starts the agent built next to the tests. The test's own deps file lists every assembly next to
    /// powerwatch.dll, so a stale copied powerwatch.deps.json cannot break the start.
    /// </summary>
    public static AgentProcess Start(string config, Uri statusUrl)
    {
        var bin = AppContext.BaseDirectory;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var process = PeerProcess.Start(dotnet, [
            "exec", "--runtimeconfig", Path.Combine(bin, "powerwatch.runtimeconfig.json"), "--depsfile", Path.Combine(bin, "PowerWatch.Agent.Tests.deps.json"),
            Path.Combine(bin, "powerwatch.dll"), "run", "--config", config]);
        return new AgentProcess(process, statusUrl);
    }

    /// <summary>One scrape of /metrics; null while the status API does not answer yet.</summary>
    public async Task<MetricsScrape?> ScrapeAsync()
    {
        try
        {
            var text = await _http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            return new MetricsScrape(text, DateTimeOffset.UtcNow);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Each device's poll sequence number (the seq of its latest started poll) from /api/devices; null while not answering.</summary>
    public async Task<Dictionary<string, long>?> SequencesAsync()
    {
        try
        {
            using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri("api/devices", UriKind.Relative)));
            return doc.RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("sequence").GetInt64(), StringComparer.Ordinal);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }
}

/// <summary>A /metrics exposition, read by metric name (the agent's MQTT and outbox series carry one sample each).</summary>
internal sealed class MetricsScrape
{
    private readonly Dictionary<string, double> _first = new(StringComparer.Ordinal);

    public MetricsScrape(string text, DateTimeOffset at)
    {
        Text = text;
        At = at;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var name = line[..(brace >= 0 && brace < space ? brace : space)];
            _first.TryAdd(name, double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
    }

    public string Text { get; }

    public DateTimeOffset At { get; }

    /// <summary>The first sample of the metric, or null when the series is absent (e.g. outbox gauges before the outbox is open).</summary>
    public double? this[string name] => _first.TryGetValue(name, out var v) ? v : null;

    public double Pending => this["powerwatch_outbox_pending_entries"] ?? -1;

    public double Appended => this["powerwatch_outbox_appended_total"] ?? -1;

    public bool Connected => this["powerwatch_mqtt_connected"] == 1;

    public override string ToString() =>
        $"at {At:HH:mm:ss.fff}: pending {Pending}, appended {Appended}, acknowledged {this["powerwatch_outbox_acknowledged_total"]}, connected {Connected}";
}

/// <summary>Checks on the received telemetry of one agent run, worded so a failure says what was missing.</summary>
internal static class TelemetryChecks
{
    /// <summary>The seqs of 1..<paramref name="through"/> that are absent, as ranges ("12-40, 45").</summary>
    public static string MissingRanges(IEnumerable<long> received, long through)
    {
        var have = received.ToHashSet();
        var ranges = new List<string>();
        long? start = null;
        for (long s = 1; s <= through + 1; s++)
        {
            var missing = s <= through && !have.Contains(s);
            if (missing && start is null)
            {
                start = s;
            }
            else if (!missing && start is { } from)
            {
                ranges.Add(from == s - 1 ? from.ToString(CultureInfo.InvariantCulture) : $"{from}-{s - 1}");
                start = null;
            }
        }

        return string.Join(", ", ranges);
    }
}
