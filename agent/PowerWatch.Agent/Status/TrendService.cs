using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PowerWatch.Agent.Alerts;
using PowerWatch.Agent.Pipeline;
using PowerWatch.Core;

namespace PowerWatch.Agent.Status;

/// <summary>
/// Feeds the <see cref="TrendBuffer"/>: the trended readings of every poll result (its own <see cref="ReadingHub"/>
/// subscription, good-quality numbers only), and every <see cref="TrendBuffer.Resolution"/> (the injected
/// <see cref="TimeProvider"/>) the failover margin of each UPS from <see cref="AlertService.Failover"/>.
/// </summary>
internal sealed class TrendService : BackgroundService
{
    /// <summary>The readings the page charts.</summary>
    public static readonly IReadOnlySet<string> Metrics = new HashSet<string>(StringComparer.Ordinal)
    {
        MetricNames.BatteryCharge, MetricNames.BatteryRuntime, MetricNames.UpsLoad, MetricNames.GeneratorFrequency, "generator.voltage.l1n",
    };

    private readonly ReadingHub _hub;
    private readonly TrendBuffer _buffer;
    private readonly AlertService _alerts;
    private readonly TimeProvider _time;

    public TrendService(ReadingHub hub, TrendBuffer buffer, AlertService alerts, TimeProvider time)
    {
        _hub = hub;
        _buffer = buffer;
        _alerts = alerts;
        _time = time;
    }

    /// <summary>Records the trended readings of one poll result.</summary>
    public static void Observe(TrendBuffer buffer, PollResult result)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(result);
        foreach (var r in result.Readings)
        {
            if (r.Quality == Quality.Good && r.Value.Kind == ReadingValueKind.Number && Metrics.Contains(r.Metric))
            {
                buffer.Record(result.Device, r.Metric, r.Unit, r.Value.Number, r.Timestamp);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _hub.Subscribe("trends", capacity: 1_000);
        var margins = SampleMarginsAsync(stoppingToken);
        try
        {
            await foreach (var result in reader.ReadAllAsync(stoppingToken))
            {
                Observe(_buffer, result);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await margins;
    }

    private async Task SampleMarginsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TrendBuffer.Resolution, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = _time.GetUtcNow();
                foreach (var s in _alerts.Failover)
                {
                    // A null margin (the generator cannot carry the load, or runtime unknown) is kept as a gap.
                    _buffer.Record(s.Ups, MetricNames.FailoverMargin, "s", s.MarginSeconds, now);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>Registration of the trend buffer, its feeding service and <c>GET /api/trends</c>.</summary>
internal static class TrendServices
{
    public static IServiceCollection AddPowerWatchTrends(this IServiceCollection services)
    {
        services.AddSingleton<TrendBuffer>();
        services.AddHostedService<TrendService>();
        return services;
    }

    /// <summary><c>GET /api/trends</c>: <c>{"at", "resolutionSeconds", "windowSeconds", "series":[{"device","metric","unit","t":[unix ms…],"v":[number|null…]}]}</c>.</summary>
    public static IEndpointRouteBuilder MapPowerWatchTrends(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trends", (TrendBuffer buffer, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            return Results.Json(
                new TrendsDto(now, TrendBuffer.Resolution.TotalSeconds, TrendBuffer.Window.TotalSeconds, buffer.Snapshot(now)),
                StatusJsonContext.Default.TrendsDto);
        });
        return app;
    }
}
