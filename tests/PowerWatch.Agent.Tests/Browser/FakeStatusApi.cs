using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PowerWatch.Agent.Status;

namespace PowerWatch.Agent.Tests.Browser;

/// <summary>
/// A canned status API on loopback serving the real status page (<see cref="StatusPage.Html"/>) and, per phase of
/// the outage "generator fails to start", the JSON the agent's API contract gives (/api/overview, /api/readings,
/// /api/failover with the site verdict, /api/alerts with cause links, /api/trends). <c>POST /test/phase/{name}</c>
/// switches the phase; acknowledge and shelve are recorded (with the request's X-PowerWatch header) and change the
/// served alerts as the agent would. Phase <c>legacy</c> is the API before the verdict and cause fields existed.
/// </summary>
internal sealed class FakeStatusApi : IAsyncDisposable
{
    public const string Ats = "ats", Generator = "gen-1", Ups = "ups", PduA = "pdu-a", PduB = "pdu-b";

    private readonly WebApplication _app;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly ConcurrentDictionary<string, (bool Acknowledged, string? By, DateTimeOffset? ShelvedUntil)> _overrides = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _outageAt;
    private volatile string _phase = "normal";
    private DateTimeOffset _phaseAt;

    private FakeStatusApi(WebApplication app)
    {
        _app = app;
        _phaseAt = _time.GetUtcNow();
        _outageAt = _phaseAt.AddMinutes(-8);
    }

    /// <summary>Every write the page sent: method, path, query and its X-PowerWatch header.</summary>
    public ConcurrentQueue<(string Path, IReadOnlyDictionary<string, string> Query, string? Header, DateTimeOffset At)> Writes { get; } = new();

    public Uri Url => new(_app.Urls.Single().TrimEnd('/') + "/");

    public static async Task<FakeStatusApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var api = new FakeStatusApi(app);
        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        app.MapGet("/api/overview", () => Json(api.Overview()));
        app.MapGet("/api/readings", () => Json(api.Readings()));
        app.MapGet("/api/failover", () => Json(api.Failover()));
        app.MapGet("/api/alerts", () => Json(api.Alerts()));
        app.MapGet("/api/trends", () => Json(api.Trends()));
        app.MapPost("/test/phase/{name}", (string name) =>
        {
            api._phaseAt = api._time.GetUtcNow();
            api._phase = name;
            return Results.NoContent();
        });
        app.MapPost("/api/alerts/{id}/{verb}", (HttpRequest request, string id, string verb) => api.Write(request, id, verb));
        await app.StartAsync();
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IResult Json(JsonNode node) => Results.Content(node.ToJsonString(), "application/json; charset=utf-8");

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private DateTimeOffset Now => _time.GetUtcNow();

    private IResult Write(HttpRequest request, string id, string verb)
    {
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Writes.Enqueue((request.Path.Value ?? "", query, request.Headers["X-PowerWatch"].FirstOrDefault(), Now));
        var current = _overrides.GetValueOrDefault(id);
        if (verb == "ack")
        {
            _overrides[id] = current with { Acknowledged = true, By = query.GetValueOrDefault("by") };
            return Results.NoContent();
        }

        if (verb == "shelve" && DateTimeOffset.TryParse(query.GetValueOrDefault("until"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var until))
        {
            _overrides[id] = current with { ShelvedUntil = until };
            return Results.NoContent();
        }

        return Results.BadRequest();
    }

    // ---- Overview and readings --------------------------------------------------------------------------------

    private bool UpsSilent => _phase is "unknown" or "legacy";

    private JsonObject Overview()
    {
        var devices = new JsonArray();
        foreach (var (id, kind, model) in new[] { (Ats, "ats", "ATS v1"), (Generator, "generator", "DSE 7320"), (Ups, "ups", "Smart-UPS SRT 10000"), (PduA, "pdu", "PDU v1"), (PduB, "pdu", "PDU v1") })
        {
            var available = !(id == Ups && UpsSilent);
            devices.Add(new JsonObject
            {
                ["id"] = id, ["kind"] = kind, ["model"] = model, ["endpoint"] = "tcp://127.0.0.1:1502", ["available"] = available,
                ["circuitOpen"] = !available, ["lastPoll"] = Iso(Now), ["lastSuccess"] = Iso(available ? Now : _phaseAt.AddSeconds(-20)),
                ["consecutiveFailures"] = available ? 0 : 7, ["lastError"] = available ? null : "timed out after 00:00:02",
                ["polls"] = 500, ["failures"] = available ? 0 : 7, ["sequence"] = 500,
            });
        }

        return new JsonObject
        {
            ["site"] = "dc1", ["agent"] = "fake-" + _phase, ["now"] = Iso(Now), ["devices"] = devices,
            ["chain"] = new JsonObject
            {
                ["ats"] = new JsonArray(new JsonObject { ["id"] = Ats, ["generator"] = Generator, ["utilityMeter"] = null, ["feeds"] = new JsonArray(Ups) }),
                ["ups"] = new JsonArray(new JsonObject { ["id"] = Ups, ["pdus"] = new JsonArray(PduA, PduB) }),
            },
        };
    }

    private JsonArray Readings()
    {
        var utility = _phase == "normal";
        var (genState, upsStatus, charge, runtime) = _phase switch
        {
            "normal" => ("stopped", "OL CHRG", 100.0, 1500.0),
            "on-battery" => ("cranking", "OB DISCHRG", 96.0, 600.0),
            "at-risk" => ("warming", "OB DISCHRG", 88.0, 300.0),
            "critical" => ("failed", "OB DISCHRG", 71.0, 183.0),
            "load-lost" => ("failed", "OFF LB", 0.0, 0.0),
            _ => ("failed", "OB DISCHRG", 64.0, 140.0),
        };
        var pduVolts = _phase == "load-lost" ? 0.0 : 230.1;
        var upsQuality = UpsSilent ? "stale" : "good";
        return
        [
            Device(Ats, "ats", true, [("input.source", "1", ""), ("ats.source1.available", utility, ""), ("ats.source2.available", false, ""), ("input.1.voltage", utility ? 231.0 : 0.0, "V")]),
            Device(Generator, "generator", true, [("generator.state", genState, ""), ("generator.frequency", 0.0, "Hz"), ("generator.voltage.l1n", 0.0, "V"), ("device.model", "DSE 7320 MKII", ""), ("device.serial", "G-0042", "")]),
            Device(Ups, "ups", !UpsSilent,
            [
                ("ups.status", upsStatus, ""), ("battery.charge", charge, "%"), ("battery.runtime", runtime, "s"), ("ups.load", 42.0, "%"),
                ("ups.model", "Smart-UPS SRT 10000", ""), ("ups.serial", "AS2112345678", ""), ("ups.firmware", "UPS 15.5", ""),
                ("ups.mfr.date", "2021-03-14", ""), ("battery.date", "2024-06-01", ""),
            ], upsQuality),
            Device(PduA, "pdu", true, [("input.voltage", pduVolts, "V"), ("input.realpower", pduVolts > 0 ? 3100.0 : 0.0, "W")]),
            Device(PduB, "pdu", true, [("input.voltage", pduVolts, "V"), ("input.realpower", pduVolts > 0 ? 2800.0 : 0.0, "W")]),
        ];
    }

    private JsonObject Device(string id, string kind, bool available, (string Metric, object Value, string Unit)[] readings, string quality = "good")
    {
        var list = new JsonArray();
        foreach (var (metric, value, unit) in readings)
        {
            list.Add(new JsonObject
            {
                ["metric"] = metric, ["value"] = value switch { string t => JsonValue.Create(t), bool b => JsonValue.Create(b), _ => JsonValue.Create((double)value) }, ["unit"] = unit, ["quality"] = quality,
                ["timestamp"] = Iso(quality == "good" ? Now : _phaseAt.AddSeconds(-20)), ["sequence"] = 500,
            });
        }

        return new JsonObject { ["device"] = id, ["kind"] = kind, ["available"] = available, ["readings"] = list };
    }

    // ---- Failover ---------------------------------------------------------------------------------------------

    private JsonObject Failover()
    {
        var now = Now;
        var (verdict, code, depletion, cause, action, runbook) = _phase switch
        {
            "normal" => ("normal", 0, (DateTimeOffset?)null, "Utility available; UPS ups online, battery full.", "No action needed.", (string?)null),
            "on-battery" => ("on-battery", 1, _phaseAt.AddSeconds(600), "Utility lost at the ATS; UPS ups on battery; generator gen-1 cranking.",
                "Watch generator gen-1 start; prepare to shed load if it is not on load within 2 min.", "utility-lost"),
            "at-risk" => ("at-risk", 2, _phaseAt.AddSeconds(300), "Failover margin of ups is 40 s: generator gen-1 is still warming up.",
                "Prepare to shed non-essential load; shed it if gen-1 is not on load within 1 min.", "margin-low"),
            "critical" => ("critical", 4, _phaseAt.AddSeconds(183.4), "Generator gen-1 failed to start: it stopped after 3 crank attempts (fail to start).",
                "Shed non-essential load now; start gen-1 manually or call the generator contractor.", "generator-failed-to-start"),
            "load-lost" => ("load-lost", 5, _phaseAt.AddSeconds(-5), "UPS ups output off: battery exhausted before the generator took the load.",
                "Restore power to critical loads: bypass or manual generator start; follow the black-start runbook.", "load-lost"),
            _ => ("unknown", 3, null, "UPS ups is not answering: its battery state is unknown.", "Check UPS ups's network link and the agent's poll errors; do not assume the load is protected.", "comms-lost"),
        };
        double? secondsLeft = depletion is { } d ? Math.Max(0, (d - now).TotalSeconds) : null;
        var onBattery = _phase is "on-battery" or "at-risk" or "critical" or "load-lost";
        var ups = new JsonObject
        {
            ["ups"] = Ups, ["ats"] = Ats, ["generator"] = Generator, ["phase"] = _phase == "normal" ? "normal" : "utility-lost",
            ["utilityLost"] = _phase != "normal", ["onBattery"] = onBattery, ["runtimeUsedSeconds"] = secondsLeft, ["runtimeUsed"] = "reported",
            ["marginSeconds"] = _phase switch { "on-battery" => 420.0, "at-risk" => 40.0, _ => null },
            ["generatorState"] = _phase switch { "normal" => "stopped", "on-battery" => "cranking", "at-risk" => "warming", _ => "failed" },
            ["depletionAt"] = depletion is { } dd ? Iso(dd) : null,
        };
        if (_phase == "legacy")
        {
            return new JsonObject { ["at"] = Iso(now), ["ups"] = new JsonArray(ups) };
        }

        foreach (var (k, v) in new (string, JsonNode?)[] { ("verdict", verdict), ("verdictCode", code), ("secondsLeft", secondsLeft), ("cause", cause), ("action", action), ("runbook", runbook) })
        {
            ups[k] = v?.DeepClone();
        }

        return new JsonObject
        {
            ["at"] = Iso(now),
            ["site"] = new JsonObject
            {
                ["verdict"] = verdict, ["code"] = code, ["secondsLeft"] = secondsLeft, ["depletionAt"] = depletion is { } x ? Iso(x) : null,
                ["runtimeSource"] = depletion is null ? "none" : "reported", ["cause"] = cause, ["action"] = action, ["runbook"] = runbook, ["ups"] = Ups,
            },
            ["ups"] = new JsonArray(ups),
        };
    }

    // ---- Alerts -----------------------------------------------------------------------------------------------

    private JsonObject Alerts()
    {
        const string utility = "utility-lost:ats", genFailed = "generator-failed-to-start:gen-1", depletion = "depletion-before-generator:ups";
        var list = new List<(string Id, string Severity, string Message, string? Cause)>();
        if (_phase != "normal")
        {
            list.Add((utility, "warning", "Utility lost at ATS ats", null));
        }

        switch (_phase)
        {
            case "on-battery":
                list.Add(("ups-on-battery:ups", "warning", "UPS ups on battery", utility));
                list.Add(("generator-start-required:gen-1", "info", "Generator gen-1 asked to start", utility));
                break;
            case "at-risk":
                list.Add(("ups-on-battery:ups", "warning", "UPS ups on battery", utility));
                list.Add(("generator-start-required:gen-1", "info", "Generator gen-1 asked to start", utility));
                list.Add(("margin-low:ups", "warning", "Failover margin of ups 40 s", utility));
                break;
            case "critical" or "load-lost":
                list.Add(("ups-on-battery:ups", "warning", "UPS ups on battery", utility));
                list.Add((genFailed, "critical", "Generator gen-1 failed to start (3 crank attempts)", utility));
                list.Add((depletion, "critical", "UPS ups battery empty before the generator can take the load", genFailed));
                list.Add(("margin-low:ups", "warning", "Failover margin of ups below 60 s", genFailed));
                list.Add(("battery-temperature-high:ups", "warning", "UPS ups battery temperature 41 °C", null));
                if (_phase == "load-lost")
                {
                    list.Add(("load-lost:ups", "critical", "UPS ups output off: load lost", depletion));
                }

                break;
            case "unknown" or "legacy":
                list.Add(("comms-lost:ups", "warning", "UPS ups not answering (7 polls failed)", null));
                break;
        }

        var active = new JsonArray();
        var i = 0;
        foreach (var (id, severity, message, cause) in list)
        {
            var o = _overrides.GetValueOrDefault(id);
            var shelved = o.ShelvedUntil is { } s && s > Now ? Iso(s) : null;
            var alert = new JsonObject
            {
                ["id"] = id, ["rule"] = id.Split(':')[0], ["device"] = id.Split(':')[1], ["severity"] = severity, ["message"] = message,
                ["value"] = null, ["unit"] = null, ["raisedAt"] = Iso(_outageAt.AddSeconds(20 * i++)), ["clearedAt"] = null,
                ["acknowledged"] = o.Acknowledged, ["acknowledgedBy"] = o.By, ["shelvedUntil"] = shelved, ["flapping"] = false,
            };
            if (_phase != "legacy")
            {
                alert["cause"] = cause;
            }

            active.Add(alert);
        }

        return new JsonObject { ["active"] = active, ["recent"] = new JsonArray(), ["suppressed"] = 0 };
    }

    // ---- Trends: the last hour, one sample per 10 s, the outage in its last minutes -----------------------------

    private JsonObject Trends()
    {
        var now = Now;
        var slots = Enumerable.Range(0, 360).Select(k => now.AddSeconds(-10 * (359 - k))).ToList();
        var outage = _phase == "normal" ? now.AddYears(1) : _outageAt;
        double Minutes(DateTimeOffset t) => Math.Max(0, (t - outage).TotalMinutes);
        JsonObject Series(string device, string metric, string unit, Func<DateTimeOffset, double?> value) => new()
        {
            ["device"] = device, ["metric"] = metric, ["unit"] = unit,
            ["t"] = new JsonArray([.. slots.Select(t => (JsonNode)JsonValue.Create(t.ToUnixTimeMilliseconds()))]),
            ["v"] = new JsonArray([.. slots.Select(t => value(t) is { } v ? (JsonNode)JsonValue.Create(Math.Round(v, 2)) : null)]),
        };
        return new JsonObject
        {
            ["at"] = Iso(now), ["resolutionSeconds"] = 10, ["windowSeconds"] = 3600,
            ["series"] = new JsonArray(
                Series(Ups, "battery.charge", "%", t => Math.Max(0, 100 - (3.6 * Minutes(t)))),
                Series(Ups, "battery.runtime", "s", t => Math.Max(0, 1500 - (110 * Minutes(t)))),
                Series(Ups, "ups.load", "%", t => 42 + (Math.Sin(t.ToUnixTimeSeconds() / 300.0) * 2)),
                Series(Ups, "failover.margin", "s", t => Minutes(t) < 2 ? 600 - (30 * Minutes(t)) : null),
                Series(Generator, "generator.frequency", "Hz", t => Minutes(t) is > 0.5 and < 2 ? 12 * (Minutes(t) - 0.5) : 0),
                Series(Generator, "generator.voltage.l1n", "V", t => Minutes(t) is > 0.5 and < 2 ? 60 * (Minutes(t) - 0.5) : 0)),
        };
    }
}
