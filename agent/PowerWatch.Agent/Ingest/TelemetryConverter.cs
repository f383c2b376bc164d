using System.Globalization;
using System.Text.Json;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Core;
using PowerWatch.Influx;

namespace PowerWatch.Agent.Ingest;

/// <summary>What kind of PowerWatch topic a message came from.</summary>
internal enum IngestTopicKind
{
    Unknown = 0,
    Telemetry = 1,
    Alert = 2,
    Failover = 3,
}

/// <summary>
/// Converts PowerWatch MQTT messages into InfluxDB points (docs/ingest.md, "Schema"). Pure: no I/O.
/// Telemetry → measurement = kind, tags site/device/model, fields = metrics (numbers as float, booleans, text as
/// string) + <c>seq</c> (integer) + <c>quality</c> + <c>status</c> (flags joined by spaces), time = ts.
/// Alerts → measurement <c>alerts</c>, tags site/device/rule/severity, fields id/state/level (= severity)/message/value.
/// Failover → measurement <c>failover</c>: a site point (failover.state, failover.message) and one point per UPS
/// (tags device = the UPS, ats, generator; failover.phase, failover.margin, … as in the metric catalogue).
/// </summary>
internal static class TelemetryConverter
{
    /// <summary>
    /// Converts one message. Returns false with a reason when the payload is malformed (dead letter); true with
    /// possibly zero points when there is nothing to store (an empty retained alert = cleared).
    /// </summary>
    public static bool TryConvert(string prefix, string topic, ReadOnlySpan<byte> payload, out List<Point> points, out string reason) =>
        TryConvertInPlace(prefix, topic, new ReadOnlyMemory<byte>(payload.ToArray()), out points, out reason);

    /// <summary>
    /// Converts one message without copying its payload (the parser reads <paramref name="payload"/> in place, so it
    /// must not change during the call). See the other overload.
    /// </summary>
    public static bool TryConvertInPlace(string prefix, string topic, ReadOnlyMemory<byte> payload, out List<Point> points, out string reason)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(topic);
        points = [];
        var (kind, site, device) = ParseTopic(prefix, topic);
        if (kind == IngestTopicKind.Unknown)
        {
            reason = $"topic '{topic}' is not a PowerWatch telemetry, alert or failover topic";
            return false;
        }

        if (payload.IsEmpty)
        {
            reason = "";
            if (kind == IngestTopicKind.Alert)
            {
                return true;
            }

            reason = $"empty payload on {topic}";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                reason = "payload is not a JSON object";
                return false;
            }

            points = kind switch
            {
                IngestTopicKind.Telemetry => [Telemetry(root, site, device)],
                IngestTopicKind.Alert => [Alert(root, site, device)],
                _ => Failover(root, site),
            };
            reason = "";
            return true;
        }
        catch (JsonException ex)
        {
            reason = $"invalid JSON: {ex.Message}";
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException)
        {
            reason = $"invalid payload: {ex.Message}";
        }

        points = [];
        return false;
    }

    /// <summary>Splits <c>{prefix}/{site}/{device}/telemetry</c>, <c>{prefix}/{site}/alerts/{id}</c>, <c>{prefix}/{site}/failover</c>.</summary>
    public static (IngestTopicKind Kind, string Site, string Device) ParseTopic(string prefix, string topic)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(topic);
        if (!topic.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            return (IngestTopicKind.Unknown, "", "");
        }

        var levels = topic[(prefix.Length + 1)..].Split('/');
        return levels switch
        {
            [var site, var device, "telemetry"] => (IngestTopicKind.Telemetry, site, device),
            [var site, "alerts", var id] => (IngestTopicKind.Alert, site, id),
            [var site, "failover"] => (IngestTopicKind.Failover, site, ""),
            _ => (IngestTopicKind.Unknown, "", ""),
        };
    }

    private static Point Telemetry(JsonElement root, string site, string deviceFromTopic)
    {
        var kind = RequiredString(root, TelemetryFields.Kind);
        var device = root.TryGetProperty(TelemetryFields.Device, out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : deviceFromTopic;
        var p = new Point(kind).Tag("site", site).Tag("device", device);
        if (root.TryGetProperty(TelemetryFields.Model, out var model) && model.ValueKind == JsonValueKind.String && model.GetString()!.Length > 0)
        {
            p.Tag("model", model.GetString()!);
        }

        p.Field("seq", RequiredProperty(root, TelemetryFields.Sequence).GetInt64());
        if (root.TryGetProperty(TelemetryFields.Quality, out var q) && q.ValueKind == JsonValueKind.String)
        {
            p.Field("quality", q.GetString()!);
        }

        if (root.TryGetProperty(TelemetryFields.Metrics, out var metrics))
        {
            if (metrics.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("'metrics' is not an object");
            }

            foreach (var m in metrics.EnumerateObject())
            {
                switch (m.Value.ValueKind)
                {
                    case JsonValueKind.Number: p.Field(m.Name, m.Value.GetDouble()); break;
                    case JsonValueKind.True: p.Field(m.Name, true); break;
                    case JsonValueKind.False: p.Field(m.Name, false); break;
                    case JsonValueKind.String: p.Field(m.Name, m.Value.GetString()!); break;
                    case JsonValueKind.Null: break;
                    default: throw new FormatException($"metric '{m.Name}' is a {m.Value.ValueKind}, not a number, boolean or string");
                }
            }
        }

        if (root.TryGetProperty(TelemetryFields.Status, out var status) && status.ValueKind == JsonValueKind.Array)
        {
            p.Field("ups.status", string.Join(' ', status.EnumerateArray().Select(s => s.GetString())));
        }

        p.Timestamp(Timestamp(root, TelemetryFields.Timestamp));
        return p;
    }

    private static Point Alert(JsonElement root, string site, string alertId)
    {
        var p = new Point("alerts").Tag("site", site);
        TagIfPresent(p, root, "device", "device");
        TagIfPresent(p, root, "rule", "rule");
        TagIfPresent(p, root, "severity", "severity");
        p.Field("id", root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : alertId);
        p.Field("state", RequiredString(root, "state"));

        // The severity again as a field: an escalated alert changes its severity tag (a new series), and a table
        // that groups by rule and device takes last("level") across both.
        TextField(p, root, "severity", "level");
        if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
        {
            p.Field("message", message.GetString()!);
        }

        if (root.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number)
        {
            p.Field("value", value.GetDouble());
        }

        // The transition time: cleared, else acknowledged, else raised.
        var ts = root.TryGetProperty("cleared", out var c) && c.ValueKind == JsonValueKind.String ? "cleared"
            : root.TryGetProperty("acknowledged", out var a) && a.ValueKind == JsonValueKind.String ? "acknowledged"
            : "raised";
        p.Timestamp(Timestamp(root, ts));
        return p;
    }

    /// <summary>
    /// A site point (tag site: <c>failover.state</c>, <c>failover.message</c>) and one point per UPS (tags site,
    /// device = the UPS, and its chain's ats and generator when known; <c>failover.*</c> catalogue fields), all at <c>ts</c>.
    /// </summary>
    private static List<Point> Failover(JsonElement root, string site)
    {
        var ts = Timestamp(root, "ts");
        var sitePoint = new Point("failover").Tag("site", site).Field(MetricNames.FailoverState, RequiredString(root, "state"));
        if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
        {
            sitePoint.Field(MetricNames.FailoverMessage, message.GetString()!);
        }

        TextField(sitePoint, root, "verdict", MetricNames.FailoverVerdict);
        NumberField(sitePoint, root, "verdict_code", MetricNames.FailoverVerdictCode);
        NumberField(sitePoint, root, "seconds_left", MetricNames.FailoverSecondsLeft);
        TextField(sitePoint, root, "cause", MetricNames.FailoverCause);
        TextField(sitePoint, root, "action", MetricNames.FailoverAction);
        List<Point> points = [sitePoint.Timestamp(ts)];
        if (root.TryGetProperty("margins", out var margins))
        {
            if (margins.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("'margins' is not an array");
            }

            foreach (var m in margins.EnumerateArray())
            {
                var p = new Point("failover").Tag("site", site).Tag("device", RequiredString(m, "ups"));
                TagIfPresent(p, m, "ats", "ats");
                TagIfPresent(p, m, "generator", "generator");
                p.Field(MetricNames.FailoverPhase, RequiredString(m, "phase"));
                NumberField(p, m, "margin_seconds", MetricNames.FailoverMargin);
                NumberField(p, m, "runtime_seconds", MetricNames.FailoverRuntime);
                TextField(p, m, "runtime_source", MetricNames.FailoverRuntimeSource);
                NumberField(p, m, "runtime_reported_seconds", MetricNames.FailoverRuntimeReported);
                NumberField(p, m, "runtime_estimated_seconds", MetricNames.FailoverRuntimeEstimate);
                NumberField(p, m, "generator_need_seconds", MetricNames.FailoverGeneratorNeed);
                TextField(p, m, "generator_state", MetricNames.FailoverGeneratorState);
                NumberField(p, m, "fuel_hours", MetricNames.FailoverFuelHours);
                TextField(p, m, "verdict", MetricNames.FailoverVerdict);
                NumberField(p, m, "verdict_code", MetricNames.FailoverVerdictCode);
                NumberField(p, m, "seconds_left", MetricNames.FailoverSecondsLeft);
                TextField(p, m, "cause", MetricNames.FailoverCause);

                // Present in every UPS point, so "no margin" is a value a dashboard can show, not a missing field
                // that last() would fill with the last good margin.
                p.Field(MetricNames.FailoverMarginKnown, m.TryGetProperty("margin_seconds", out var ms) && ms.ValueKind == JsonValueKind.Number ? 1.0 : 0.0);
                points.Add(p.Timestamp(ts));
            }
        }

        return points;
    }

    private static void TextField(Point p, JsonElement e, string name, string field)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
        {
            p.Field(field, v.GetString()!);
        }
    }

    private static void NumberField(Point p, JsonElement e, string name, string field)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number)
        {
            p.Field(field, v.GetDouble());
        }
    }

    private static void TagIfPresent(Point p, JsonElement root, string name, string tag)
    {
        if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
        {
            p.Tag(tag, v.GetString()!);
        }
    }

    private static JsonElement RequiredProperty(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) ? v : throw new FormatException($"'{name}' is missing");

    private static string RequiredString(JsonElement root, string name)
    {
        var v = RequiredProperty(root, name);
        return v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString()! : throw new FormatException($"'{name}' is not a non-empty string");
    }

    private static DateTimeOffset Timestamp(JsonElement root, string name) =>
        DateTimeOffset.Parse(RequiredString(root, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
