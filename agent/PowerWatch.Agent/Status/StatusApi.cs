using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Outputs.Mqtt;
using PowerWatch.Agent.Polling;
using PowerWatch.Agent.Alerts;
using PowerWatch.Core;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Status;

/// <summary>What <c>/metrics</c> exposes of the failover analysis and the alerts.</summary>
internal sealed record FailoverMetrics(SiteVerdict Site, IReadOnlyList<FailoverUpsState> Ups, IReadOnlyList<AlertInfo> Active);

/// <summary>The status API: health, devices, live readings, Prometheus metrics and the status page.</summary>
internal static class StatusApi
{
    public static IEndpointRouteBuilder MapPowerWatchStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (AgentHealth health) =>
        {
            var bad = health.Unhealthy();
            return bad.Count == 0
                ? Results.Json(new HealthDto("ok", bad), StatusJsonContext.Default.HealthDto)
                : Results.Json(new HealthDto("unhealthy", bad), StatusJsonContext.Default.HealthDto, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/api/devices", (AgentRuntime runtime) =>
            Results.Json(runtime.Devices.Select(ToDto).ToList(), StatusJsonContext.Default.IReadOnlyListDeviceDto));

        app.MapGet("/api/overview", (AgentRuntime runtime, TimeProvider time, [FromServices] IEnumerable<MqttOutput> mqtt) =>
            Results.Json(Overview(runtime, time.GetUtcNow()) with { Mqtt = MqttState(runtime, mqtt.FirstOrDefault()?.GetMetrics()) }, StatusJsonContext.Default.OverviewDto));

        app.MapGet("/api/readings", (AgentRuntime runtime, TimeProvider time, string? device) =>
        {
            var now = time.GetUtcNow();
            // Ids match exactly (case-sensitive), as in the configuration; an unknown id answers with the known ones.
            var selected = device is null ? runtime.Devices : runtime.Devices.Where(d => string.Equals(d.Id, device, StringComparison.Ordinal)).ToList();
            if (device is not null && selected.Count == 0)
            {
                return NotFound($"no device '{device}'", runtime.Devices.Select(d => d.Id));
            }

            var result = selected.Select(d => new DeviceReadingsDto(d.Id, d.Kind, d.Available, d.Snapshot(now).Select(ToDto).ToList())).ToList();
            return Results.Json(result, StatusJsonContext.Default.IReadOnlyListDeviceReadingsDto);
        });

        app.MapGet("/metrics", (AgentRuntime runtime, TimeProvider time, [FromServices] IEnumerable<MqttOutput> mqtt, AlertService alerts, [FromServices] IEnumerable<Inputs.EndpointClientPool> clients) =>
        {
            var failover = alerts.Options.Enabled ? new FailoverMetrics(alerts.Site, alerts.Failover, alerts.Engine.Active()) : null;
            var traps = clients.FirstOrDefault()?.Find<Inputs.Snmp.SnmpTrapListener>(Inputs.Snmp.SnmpTrapListener.PoolKey)?.Statistics;
            return Results.Text(Prometheus(runtime.Options.Site, runtime.Options.Agent, runtime.Devices, time.GetUtcNow(), mqtt.FirstOrDefault()?.GetMetrics(), failover, traps),
                "text/plain; version=0.0.4; charset=utf-8");
        });

        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapPowerWatchAlerts();
        app.MapPowerWatchTrends();
        return app;
    }

    /// <summary>404 with <c>{"error": reason, "known": [ids…]}</c>: what was asked for and what exists.</summary>
    internal static IResult NotFound(string reason, IEnumerable<string> known) =>
        Results.Json(new ErrorDto(reason) { Known = [.. known] }, StatusJsonContext.Default.ErrorDto, statusCode: StatusCodes.Status404NotFound);

    internal static OverviewDto Overview(AgentRuntime runtime, DateTimeOffset now)
    {
        var t = runtime.Options.Topology;
        var chain = new ChainDto(
            t.Ats.Select(a => new ChainAtsDto(a.Id, a.Generator, a.UtilityMeter, a.Feeds)).ToList(),
            t.Ups.Select(u => new ChainUpsDto(u.Id, u.Pdus)).ToList());
        return new OverviewDto(runtime.Options.Site, runtime.Options.Agent, now, runtime.Devices.Select(ToDto).ToList(), chain);
    }

    /// <summary>The MQTT output's state for <c>/api/overview</c>; null when MQTT is disabled.</summary>
    internal static MqttStateDto? MqttState(AgentRuntime runtime, MqttOutputMetrics? m)
    {
        if (m is null)
        {
            return null;
        }

        var state = m.CredentialsRefused ? "refused: bad credentials" : m.Connected ? "connected" : "disconnected";
        var broker = $"{runtime.Options.Mqtt.Host}:{runtime.Options.Mqtt.Port}";
        return new MqttStateDto(state, broker, m.PendingEntries);
    }

    internal static DeviceDto ToDto(DeviceState d) => new(
        d.Id, d.Kind, d.Model, d.Endpoint, d.Available, d.CircuitOpen, d.LastPoll, d.LastSuccess, d.ConsecutiveFailures, d.LastError, d.Polls, d.Failures, d.Sequence);

    internal static ReadingDto ToDto(Reading r) => new(r.Metric, Value(r.Value, r.Unit), r.Unit, r.Quality.ToWireName(), r.Timestamp, r.Sequence);

    private static object? Value(ReadingValue v, string unit) => v.Kind switch
    {
        ReadingValueKind.Number => MetricResolution.Round(unit, v.Number),
        ReadingValueKind.Boolean => v.Boolean,
        ReadingValueKind.Text => v.Text,
        _ => null,
    };

    /// <summary>
    /// Prometheus text exposition (format 0.0.4) of the agent. Readings: one gauge per numeric or boolean metric,
    /// labelled by site and device; only good-quality values are exposed (a stale value must not look current to a
    /// scraper). Polls: per-device counters. MQTT: <c>powerwatch_mqtt_enabled</c> always; the MQTT and outbox
    /// series only when the output runs (<paramref name="mqtt"/> not null), never zero-filled when it does not.
    /// </summary>
    public static string Prometheus(AgentRuntime runtime, DateTimeOffset now, MqttOutputMetrics? mqtt = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        return Prometheus(runtime.Options.Site, runtime.Options.Agent, runtime.Devices, now, mqtt);
    }

    internal static string Prometheus(string site, string agent, IReadOnlyList<DeviceState> devices, DateTimeOffset now, MqttOutputMetrics? mqtt,
        FailoverMetrics? failover = null, Inputs.Snmp.SnmpTrapStatistics? traps = null)
    {
        var w = new PrometheusWriter();
        var byName = new SortedDictionary<string, (string Metric, List<(string Device, double Value)> Samples)>(StringComparer.Ordinal);
        foreach (var d in devices)
        {
            foreach (var r in d.Snapshot(now))
            {
                if (r.Quality != Quality.Good)
                {
                    continue;
                }

                double? v = r.Value.Kind switch
                {
                    ReadingValueKind.Number => r.Value.Number,
                    ReadingValueKind.Boolean => r.Value.Boolean ? 1 : 0,
                    _ => null,
                };
                if (v is null || !double.IsFinite(v.Value))
                {
                    continue;
                }

                var name = "powerwatch_" + PrometheusWriter.Sanitize(r.Metric);
                if (!byName.TryGetValue(name, out var family))
                {
                    byName[name] = family = (r.Metric, []);
                }

                family.Samples.Add((d.Id, MetricResolution.Round(r.Unit, v.Value)));
            }
        }

        foreach (var (name, family) in byName)
        {
            w.Family(name, "gauge", ReadingHelp(family.Metric));
            foreach (var (device, value) in family.Samples)
            {
                w.Sample(name, [("site", site), ("device", device)], value);
            }
        }

        w.Family("powerwatch_polls_total", "counter", "Polls of the device since the agent started, successful or not.");
        foreach (var d in devices)
        {
            w.Sample("powerwatch_polls_total", [("site", site), ("device", d.Id)], d.Polls);
        }

        w.Family("powerwatch_poll_failures_total", "counter", "Failed polls of the device since the agent started.");
        foreach (var d in devices)
        {
            w.Sample("powerwatch_poll_failures_total", [("site", site), ("device", d.Id)], d.Failures);
        }

        (string, string)[] agentLabels = [("site", site), ("agent", agent)];
        w.Family("powerwatch_mqtt_enabled", "gauge", "1 when the MQTT output and its outbox run; 0 when MQTT is disabled, and then no powerwatch_mqtt_* or powerwatch_outbox_* series exist.");
        w.Sample("powerwatch_mqtt_enabled", agentLabels, mqtt is null ? 0L : 1L);
        if (mqtt is not null)
        {
            WriteMqtt(w, agentLabels, mqtt, now);
        }

        if (failover is not null)
        {
            WriteFailover(w, site, failover);
        }

        if (traps is not null)
        {
            // Only while the SNMP notification receiver runs (PowerWatch:SnmpTraps:Enabled).
            w.Family("powerwatch_snmp_traps_total", "counter", "SNMP traps and informs received: result accepted (from a configured device with its community; it was polled at once), unknown (no SNMP device at that address), unauthenticated (wrong community, or SNMPv3), malformed (not a notification); all but accepted are dropped.");
            foreach (var (result, count) in new[] { ("accepted", traps.Accepted), ("unknown", traps.Unknown), ("unauthenticated", traps.Unauthenticated), ("malformed", traps.Malformed) })
            {
                w.Sample("powerwatch_snmp_traps_total", [.. agentLabels, ("result", result)], count);
            }
        }

        return w.ToString();
    }

    /// <summary>
    /// The verdict, margins, depletion and alert counts (only when the alert service runs): a Prometheus user alerts on
    /// <c>powerwatch_site_verdict &gt;= 2</c> or on <c>powerwatch_failover_margin_known == 0</c> without reading MQTT.
    /// </summary>
    private static void WriteFailover(PrometheusWriter w, string site, FailoverMetrics f)
    {
        w.Family("powerwatch_site_verdict", "gauge", "Site verdict: 0 normal, 1 on-battery, 2 at-risk, 3 unknown, 4 critical, 5 load-lost (higher = worse).");
        w.Sample("powerwatch_site_verdict", [("site", site)], f.Site.Code);
        w.Family("powerwatch_failover_verdict", "gauge", "Verdict of one UPS, coded as powerwatch_site_verdict.");
        foreach (var s in f.Ups)
        {
            w.Sample("powerwatch_failover_verdict", [("site", site), ("ups", s.Ups)], s.VerdictCode);
        }

        w.Family("powerwatch_failover_margin_known", "gauge", "1 when the UPS has a failover margin; 0 when it has none (the generator cannot carry the load, or the runtime is unknown).");
        foreach (var s in f.Ups)
        {
            w.Sample("powerwatch_failover_margin_known", [("site", site), ("ups", s.Ups)], s.MarginSeconds is null ? 0L : 1L);
        }

        w.Family("powerwatch_failover_margin_seconds", "gauge", "Runtime margin of the UPS: runtime left minus the time the generator still needs to carry the load (absent when not known).");
        foreach (var s in f.Ups.Where(s => s.MarginSeconds is not null))
        {
            w.Sample("powerwatch_failover_margin_seconds", [("site", site), ("ups", s.Ups)], Math.Round(s.MarginSeconds!.Value, 1));
        }

        w.Family("powerwatch_battery_depletion_seconds", "gauge", "Seconds until the UPS battery is empty at the present load (only while on battery).");
        foreach (var s in f.Ups.Where(s => s.SecondsLeft is not null))
        {
            w.Sample("powerwatch_battery_depletion_seconds", [("site", site), ("ups", s.Ups)], Math.Round(s.SecondsLeft!.Value, 1));
        }

        w.Family("powerwatch_alerts_active", "gauge", "Active alerts by severity (consequences included).");
        foreach (var severity in (ReadOnlySpan<AlertSeverity>)[AlertSeverity.Info, AlertSeverity.Warning, AlertSeverity.Critical])
        {
            w.Sample("powerwatch_alerts_active", [("site", site), ("severity", severity.ToWireName())], f.Active.Count(a => a.Severity == severity));
        }

        var roots = AlertTree.Roots(f.Active);
        w.Family("powerwatch_alerts_root_active", "gauge", "Active alerts by severity that are root causes (not folded under another active alert).");
        foreach (var severity in (ReadOnlySpan<AlertSeverity>)[AlertSeverity.Info, AlertSeverity.Warning, AlertSeverity.Critical])
        {
            w.Sample("powerwatch_alerts_root_active", [("site", site), ("severity", severity.ToWireName())], roots.Count(a => a.Severity == severity));
        }
    }

    private static void WriteMqtt(PrometheusWriter w, (string, string)[] labels, MqttOutputMetrics m, DateTimeOffset now)
    {
        w.Family("powerwatch_mqtt_connected", "gauge", "1 while a broker session is up (CONNACK received, not lost since), else 0.");
        w.Sample("powerwatch_mqtt_connected", labels, m.Connected ? 1L : 0L);
        w.Family("powerwatch_mqtt_credentials_refused", "gauge", "1 while the broker refuses the agent's credentials (bad user name or password, not authorized): fix PowerWatch:Mqtt:Username/Password or the broker's password file/ACL; else 0.");
        w.Sample("powerwatch_mqtt_credentials_refused", labels, m.CredentialsRefused ? 1L : 0L);
        w.Family("powerwatch_mqtt_connects_total", "counter", "Successful broker connections since the agent started (the first one included).");
        w.Sample("powerwatch_mqtt_connects_total", labels, m.Connects);
        w.Family("powerwatch_mqtt_reconnects_total", "counter", "Successful broker connections after the first one since the agent started.");
        w.Sample("powerwatch_mqtt_reconnects_total", labels, Math.Max(0, m.Connects - 1));
        w.Family("powerwatch_mqtt_connect_failures_total", "counter", "Broker connection attempts that failed (refused, unreachable, timed out) since the agent started.");
        w.Sample("powerwatch_mqtt_connect_failures_total", labels, m.ConnectFailures);
        w.Family("powerwatch_mqtt_publishes_total", "counter", "Outbox entries delivered to the broker: QoS 1 acknowledged by PUBACK, QoS 0 written to the connection.");
        w.Sample("powerwatch_mqtt_publishes_total", [.. labels, ("qos", "0")], m.PublishedQos0);
        w.Sample("powerwatch_mqtt_publishes_total", [.. labels, ("qos", "1")], m.PublishedQos1);
        w.Family("powerwatch_mqtt_publish_failures_total", "counter", "Publishes that failed: reason refused = the broker refused the message (dropped), connection_lost = cut by a lost connection (replayed later).");
        w.Sample("powerwatch_mqtt_publish_failures_total", [.. labels, ("reason", "refused")], m.PublishesRefused);
        w.Sample("powerwatch_mqtt_publish_failures_total", [.. labels, ("reason", "connection_lost")], m.PublishesInterrupted);
        w.Family("powerwatch_mqtt_stored_confirmed_total", "counter", "Telemetry entries ingest confirmed as stored in the database (Delivery = stored) since the agent started.");
        w.Sample("powerwatch_mqtt_stored_confirmed_total", labels, m.StoredConfirmed);
        w.Family("powerwatch_mqtt_unconfirmed_entries", "gauge", "Telemetry entries sent and awaiting ingest's stored confirmation (always 0 with Delivery = broker).");
        w.Sample("powerwatch_mqtt_unconfirmed_entries", labels, m.Unconfirmed);
        w.Family("powerwatch_mqtt_stored_replays_total", "counter", "Replays of unconfirmed telemetry because confirmations stopped for StoredTimeout, since the agent started.");
        w.Sample("powerwatch_mqtt_stored_replays_total", labels, m.Replays);

        w.Family("powerwatch_outbox_appended_total", "counter", "Entries appended to the durable outbox since the agent started.");
        w.Sample("powerwatch_outbox_appended_total", labels, m.Appended);
        w.Family("powerwatch_outbox_acknowledged_total", "counter", "Outbox entries acknowledged (delivered, or refused by the broker) since the agent started.");
        w.Sample("powerwatch_outbox_acknowledged_total", labels, m.Acknowledged);
        w.Family("powerwatch_outbox_dropped_total", "counter", "Pending outbox entries dropped by the disk quota since the agent started.");
        w.Sample("powerwatch_outbox_dropped_total", labels, m.Dropped);
        if (!m.OutboxOpen)
        {
            // Not open yet (starting) or failed to open: no gauge rather than a made-up zero.
            return;
        }

        w.Family("powerwatch_outbox_pending_entries", "gauge", "Entries waiting in the outbox for the broker's acknowledgement.");
        w.Sample("powerwatch_outbox_pending_entries", labels, m.PendingEntries);
        w.Family("powerwatch_outbox_pending_bytes", "gauge", "On-disk bytes of the pending entries' records.");
        w.Sample("powerwatch_outbox_pending_bytes", labels, m.PendingBytes);
        w.Family("powerwatch_outbox_disk_bytes", "gauge", "Bytes of all outbox segment files on disk (what Outbox:MaxBytes limits).");
        w.Sample("powerwatch_outbox_disk_bytes", labels, m.DiskBytes);
        w.Family("powerwatch_outbox_oldest_pending_age_seconds", "gauge", "Age of the oldest pending outbox entry in seconds; 0 when nothing is pending.");
        var age = m.OldestPending is { } oldest && now > oldest ? (now - oldest).TotalSeconds : 0;
        w.Sample("powerwatch_outbox_oldest_pending_age_seconds", labels, age);
    }

    private static string ReadingHelp(string metric)
    {
        if (!MetricCatalog.TryFind(metric, out var definition))
        {
            return $"Reading {metric} (not in the metric catalogue).";
        }

        var unit = string.IsNullOrEmpty(definition.Unit) || definition.Unit == "—" ? "" : ", unit " + definition.Unit;
        var kind = definition.Kind == MetricKind.Boolean ? ", 1 = true" : "";
        return $"{definition.Description.TrimEnd('.')} (reading {metric}{unit}{kind}).";
    }
}
