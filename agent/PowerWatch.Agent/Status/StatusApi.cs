using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PowerWatch.Agent.Hosting;
using PowerWatch.Agent.Polling;
using PowerWatch.Core;

namespace PowerWatch.Agent.Status;

/// <summary>The status API: health, devices, live readings, Prometheus metrics and the status page.</summary>
public static class StatusApi
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

        app.MapGet("/api/overview", (AgentRuntime runtime, TimeProvider time) =>
            Results.Json(Overview(runtime, time.GetUtcNow()), StatusJsonContext.Default.OverviewDto));

        app.MapGet("/api/readings", (AgentRuntime runtime, TimeProvider time, string? device) =>
        {
            var now = time.GetUtcNow();
            var selected = device is null ? runtime.Devices : runtime.Devices.Where(d => d.Id == device).ToList();
            if (device is not null && selected.Count == 0)
            {
                return Results.NotFound();
            }

            var result = selected.Select(d => new DeviceReadingsDto(d.Id, d.Kind, d.Available, d.Snapshot(now).Select(ToDto).ToList())).ToList();
            return Results.Json(result, StatusJsonContext.Default.IReadOnlyListDeviceReadingsDto);
        });

        app.MapGet("/metrics", (AgentRuntime runtime, TimeProvider time) =>
            Results.Text(Prometheus(runtime, time.GetUtcNow()), "text/plain; version=0.0.4; charset=utf-8"));

        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapPowerWatchAlerts();
        return app;
    }

    internal static OverviewDto Overview(AgentRuntime runtime, DateTimeOffset now)
    {
        var t = runtime.Options.Topology;
        var chain = new ChainDto(
            t.Ats.Select(a => new ChainAtsDto(a.Id, a.Generator, a.UtilityMeter, a.Feeds)).ToList(),
            t.Ups.Select(u => new ChainUpsDto(u.Id, u.Pdus)).ToList());
        return new OverviewDto(runtime.Options.Site, runtime.Options.Agent, now, runtime.Devices.Select(ToDto).ToList(), chain);
    }

    internal static DeviceDto ToDto(DeviceState d) => new(
        d.Id, d.Kind, d.Model, d.Endpoint, d.Available, d.CircuitOpen, d.LastPoll, d.LastSuccess, d.ConsecutiveFailures, d.LastError, d.Polls, d.Failures, d.Sequence);

    internal static ReadingDto ToDto(Reading r) => new(r.Metric, Value(r.Value), r.Unit, r.Quality.ToWireName(), r.Timestamp, r.Sequence);

    private static object? Value(ReadingValue v) => v.Kind switch
    {
        ReadingValueKind.Number => v.Number,
        ReadingValueKind.Boolean => v.Boolean,
        ReadingValueKind.Text => v.Text,
        _ => null,
    };

    /// <summary>
    /// Prometheus text exposition (format 0.0.4): one gauge per numeric or boolean metric, labelled by site and
    /// device. Only good-quality values are exposed: a stale value must not look current to a scraper.
    /// </summary>
    public static string Prometheus(AgentRuntime runtime, DateTimeOffset now)
    {
        var sb = new StringBuilder();
        var site = runtime.Options.Site;
        var byName = new SortedDictionary<string, List<(string Device, double Value)>>(StringComparer.Ordinal);
        foreach (var d in runtime.Devices)
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

                var name = "powerwatch_" + Sanitize(r.Metric);
                if (!byName.TryGetValue(name, out var list))
                {
                    byName[name] = list = [];
                }

                list.Add((d.Id, v.Value));
            }
        }

        foreach (var (name, samples) in byName)
        {
            sb.Append("# TYPE ").Append(name).Append(" gauge\n");
            foreach (var (device, value) in samples)
            {
                sb.Append(name).Append("{site=\"").Append(Escape(site)).Append("\",device=\"").Append(Escape(device)).Append("\"} ")
                    .Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
        }

        sb.Append("# TYPE powerwatch_polls_total counter\n");
        foreach (var d in runtime.Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"powerwatch_polls_total{{site=\"{Escape(site)}\",device=\"{Escape(d.Id)}\"}} {d.Polls}\n");
        }

        sb.Append("# TYPE powerwatch_poll_failures_total counter\n");
        foreach (var d in runtime.Devices)
        {
            sb.Append(CultureInfo.InvariantCulture, $"powerwatch_poll_failures_total{{site=\"{Escape(site)}\",device=\"{Escape(d.Id)}\"}} {d.Failures}\n");
        }

        return sb.ToString();
    }

    private static string Sanitize(string metric)
    {
        var chars = metric.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private static string Escape(string label) =>
        label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
