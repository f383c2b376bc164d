using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PowerWatch.Agent.Alerts;

namespace PowerWatch.Agent.Status;

/// <summary><c>/api/alerts</c> (active + recent), acknowledge, shelve, and <c>/api/failover</c>.</summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapPowerWatchAlerts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerts", (AlertService alerts) =>
            Results.Json(new AlertsDto(alerts.Engine.Active(), alerts.Engine.Recent(), alerts.Engine.Suppressed), AlertJsonContext.Default.AlertsDto));
        app.MapPost("/api/alerts/{id}/ack", async (AlertService alerts, string id, string? by, CancellationToken ct) =>
            await alerts.AcknowledgeAsync(id, by ?? "api", ct) is null ? Results.NotFound() : Results.NoContent());
        app.MapPost("/api/alerts/{id}/shelve", async (AlertService alerts, string id, DateTimeOffset until, string? by, CancellationToken ct) =>
            await alerts.ShelveAsync(id, until, by ?? "api", ct) is null ? Results.BadRequest("until must be in the future") : Results.NoContent());
        app.MapGet("/api/failover", (AlertService alerts, TimeProvider time) =>
            Results.Json(new FailoverDto(time.GetUtcNow(), alerts.Failover), AlertJsonContext.Default.FailoverDto));
        return app;
    }
}
