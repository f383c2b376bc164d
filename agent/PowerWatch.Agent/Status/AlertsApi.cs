using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Configuration;
using PowerWatch.Core.Alerts;
using PowerWatch.Core.Failover;

namespace PowerWatch.Agent.Status;

/// <summary>
/// <c>/api/alerts</c> (active + recent), acknowledge, shelve, and <c>/api/failover</c>.
/// <list type="bullet">
/// <item><c>POST /api/alerts/{id}/ack?by=NAME</c>: 204; 404 when no such alert is active. Who may: <see cref="StatusAccess"/>;
/// every acknowledge and shelve is audited on the event stream (token name or loopback, remote address, <c>by</c>).</item>
/// <item><c>POST /api/alerts/{id}/shelve?until=RFC3339&amp;by=NAME</c>: 204; 400 <c>{"error": reason}</c> when
/// <c>until</c> is missing, malformed, without an offset or not in the future; 404 when the id is neither active
/// nor <c>{rule}:{device}</c> of a known rule and a configured device (an inactive alert can be shelved ahead).</item>
/// </list>
/// </summary>
internal static class AlertsApi
{
    /// <summary>Alerts with their values rounded to the resolution of their unit, as every payload leaving the agent.</summary>
    private static List<AlertInfo> Rounded(IReadOnlyList<AlertInfo> alerts) => [.. alerts.Select(a => a with { Value = WireRounding.Value(a) })];

    public static IEndpointRouteBuilder MapPowerWatchAlerts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts", (AlertService alerts, bool? roots) =>
        {
            var active = Rounded(alerts.Engine.Active());
            var recent = Rounded(alerts.Engine.Recent());
            if (roots != true)
            {
                return Results.Json(new AlertsDto(active, recent, alerts.Engine.Suppressed), AlertJsonContext.Default.AlertsDto);
            }

            // Root causes only, each with the ids folded under it.
            var top = AlertTree.Roots(active);
            var folded = top.ToDictionary(a => a.Id, a => AlertTree.Descendants(active, a.Id), StringComparer.Ordinal);
            return Results.Json(new AlertsDto(top, recent, alerts.Engine.Suppressed) { Consequences = folded }, AlertJsonContext.Default.AlertsDto);
        });
        app.MapPost("/api/alerts/{id}/ack", async (HttpContext http, AlertService alerts, string id, string? by, CancellationToken ct) =>
        {
            var audit = Audit(http, by);
            return await alerts.AcknowledgeAsync(id, audit.Operator ?? audit.By, audit, ct) is null
                ? StatusApi.NotFound($"no active alert '{id}'", alerts.Engine.Active().Select(a => a.Id))
                : Results.NoContent();
        });
        app.MapPost("/api/alerts/{id}/shelve", async (HttpContext http, AlertService alerts, IOptions<AgentOptions> options, TimeProvider time, string id, string? until, string? by, CancellationToken ct) =>
        {
            if (!IsShelvable(alerts.Engine, options.Value, id))
            {
                return StatusApi.NotFound($"no alert '{id}': not active, and not {{rule}}:{{device}} of a known rule and a configured device", alerts.Engine.Active().Select(a => a.Id));
            }

            if (!TryParseUntil(until, out var at, out var problem))
            {
                return Error(StatusCodes.Status400BadRequest, problem);
            }

            if (at <= time.GetUtcNow())
            {
                return Error(StatusCodes.Status400BadRequest, $"until {until} is not in the future");
            }

            var audit = Audit(http, by);
            return await alerts.ShelveAsync(id, at, audit.Operator ?? audit.By, audit, ct) is null
                ? Error(StatusCodes.Status400BadRequest, $"until {until} is not in the future")
                : Results.NoContent();
        });
        app.MapGet("/api/failover", (AlertService alerts, TimeProvider time) =>
            Results.Json(new FailoverDto(time.GetUtcNow(), alerts.Failover, alerts.Site), AlertJsonContext.Default.FailoverDto));
        return app;
    }

    /// <summary>
    /// The audit of a write: who the gate let through (token name or <c>loopback</c>), from where, and the operator
    /// name the request gave (<c>?by=</c>), which also names the acknowledgement (else the caller does).
    /// </summary>
    private static AlertAudit Audit(HttpContext http, string? by)
    {
        var caller = StatusAccess.Caller(http);
        return new AlertAudit(caller.Who, caller.From, string.IsNullOrWhiteSpace(by) ? null : by.Trim());
    }

    /// <summary>Parses an RFC 3339 date-time with an explicit offset (<c>Z</c> or <c>±hh:mm</c>).</summary>
    internal static bool TryParseUntil(string? text, out DateTimeOffset until, out string problem)
    {
        until = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "until is required (RFC 3339 date-time with offset, e.g. 2026-01-01T12:00:00Z)";
            return false;
        }

        // An offset is required: a local time would mean the agent host's zone, which the operator cannot see.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out until))
        {
            problem = $"until '{text}' is not an RFC 3339 date-time with offset (e.g. 2026-01-01T12:00:00Z)";
            return false;
        }

        problem = "";
        return true;
    }

    private static bool IsShelvable(AlertEngine engine, AgentOptions options, string id)
    {
        if (engine.Active().Any(a => string.Equals(a.Id, id, StringComparison.Ordinal)))
        {
            return true;
        }

        var parts = id.Split(':', 2);
        if (parts.Length != 2)
        {
            return false;
        }

        var ruleKnown = engine.Rules.Any(r => string.Equals(r.Id, parts[0], StringComparison.Ordinal)) || FailoverRules.All.Contains(parts[0], StringComparer.Ordinal);
        var t = options.Topology;
        var deviceKnown = options.Devices.Any(d => string.Equals(d.Id, parts[1], StringComparison.Ordinal))
            || t.Ats.Any(a => a.Id == parts[1] || a.Generator == parts[1] || a.UtilityMeter == parts[1])
            || t.Ups.Any(u => u.Id == parts[1]);
        return ruleKnown && deviceKnown;
    }

    private static IResult Error(int status, string reason) =>
        Results.Json(new ErrorDto(reason), StatusJsonContext.Default.ErrorDto, statusCode: status);
}
