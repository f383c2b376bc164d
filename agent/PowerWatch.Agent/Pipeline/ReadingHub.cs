using System.Threading.Channels;

namespace PowerWatch.Agent.Pipeline;

/// <summary>
/// Fans poll results out to independent consumers (latest-value store, outbox publisher, alert engine), each
/// through its own bounded channel, so one slow consumer can never stall the pollers or the other consumers.
/// A consumer that falls behind loses its oldest queued results, and the loss is counted per consumer.
/// </summary>
public sealed class ReadingHub
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    /// <summary>Registers a consumer with its own queue capacity.</summary>
    public ChannelReader<PollResult> Subscribe(string name, int capacity = 10_000)
    {
        var subscription = new Subscription(name, capacity);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription.Channel.Reader;
    }

    /// <summary>Results each consumer lost because it fell behind.</summary>
    public IReadOnlyDictionary<string, long> Dropped()
    {
        lock (_gate)
        {
            return _subscriptions.ToDictionary(s => s.Name, s => Interlocked.Read(ref s.DroppedCount), StringComparer.Ordinal);
        }
    }

    public void Publish(PollResult result)
    {
        Subscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
        }

        foreach (var s in subscriptions)
        {
            s.Channel.Writer.TryWrite(result);
        }
    }

    public void Complete()
    {
        lock (_gate)
        {
            foreach (var s in _subscriptions)
            {
                s.Channel.Writer.TryComplete();
            }
        }
    }

    private sealed class Subscription
    {
        public long DroppedCount;

        public Subscription(string name, int capacity)
        {
            Name = name;
            Channel = System.Threading.Channels.Channel.CreateBounded<PollResult>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                _ => Interlocked.Increment(ref DroppedCount));
        }

        public string Name { get; }

        public Channel<PollResult> Channel { get; }
    }
}
