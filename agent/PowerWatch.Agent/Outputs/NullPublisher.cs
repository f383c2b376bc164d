namespace PowerWatch.Agent.Outputs;

/// <summary>Registered when MQTT is disabled: alerts and events are still handled locally, nothing is published.</summary>
internal sealed class NullPublisher : IAlertPublisher, IEventPublisher
{
    public ValueTask PublishAlertAsync(AlertMessage alert, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask ClearAlertAsync(string alertId, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask PublishEventAsync(EventMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask PublishFailoverAsync(FailoverMessage message, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
