using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PowerWatch.Agent.Hosting;

/// <summary>
/// Tells systemd (Type=notify) when the agent is ready, pings the watchdog at half the requested period
/// while the agent reports itself healthy, and says STOPPING on shutdown.
/// </summary>
internal sealed partial class SystemdNotifyService : BackgroundService
{
    private readonly SystemdNotifier _notifier;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeProvider _time;
    private readonly AgentHealth _health;
    private readonly ILogger<SystemdNotifyService> _logger;
    private readonly TimeSpan? _watchdog;

    public SystemdNotifyService(SystemdNotifier notifier, IHostApplicationLifetime lifetime, TimeProvider time, AgentHealth health, ILogger<SystemdNotifyService> logger)
    {
        _notifier = notifier;
        _lifetime = lifetime;
        _time = time;
        _health = health;
        _logger = logger;
        _watchdog = SystemdNotifier.WatchdogInterval(
            Environment.GetEnvironmentVariable("WATCHDOG_USEC"),
            Environment.GetEnvironmentVariable("WATCHDOG_PID"),
            Environment.ProcessId);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_notifier.IsEnabled)
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
        await _notifier.NotifyAsync("READY=1\nSTATUS=polling", stoppingToken);
        LogReady(_logger, _watchdog);

        if (_watchdog is not { } period)
        {
            return;
        }

        using var timer = new PeriodicTimer(period / 2, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (_health.IsHealthy)
            {
                await _notifier.NotifyAsync("WATCHDOG=1", stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _notifier.NotifyAsync("STOPPING=1", cancellationToken);
        await base.StopAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Notified systemd READY=1 (watchdog {Watchdog})")]
    private static partial void LogReady(ILogger logger, TimeSpan? watchdog);
}
