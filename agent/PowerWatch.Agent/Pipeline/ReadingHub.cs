using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace PowerWatch.Agent.Pipeline;

/// <summary>
/// Fans poll results out to independent consumers (latest-value store, outbox publisher, alert engine), each
/// through its own bounded channel, so one slow consumer can never stall the pollers or the other consumers.
/// A consumer that falls behind loses its oldest queued results, and the loss is counted per consumer.
/// With a hold (the demo: <see cref="Polling.DeviceIoTime.HoldDuringPoll"/>, which stops the simulated site's clock),
/// each result is held for the named consumers from its publication until that consumer asks for the next result:
/// the alert engine evaluates a poll at the site instant the poll was taken, however fast the site clock runs.
/// </summary>
internal sealed class ReadingHub
{
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];
    private readonly Func<IDisposable>? _hold;
    private readonly HashSet<string> _heldConsumers;

    public ReadingHub()
        : this(null, [])
    {
    }

    /// <param name="hold">Taken for each result and each consumer in <paramref name="heldConsumers"/>; released when that consumer is done with it.</param>
    /// <param name="heldConsumers">Names (as given to <see cref="Subscribe"/>) of the consumers results are held for.</param>
    public ReadingHub(Func<IDisposable>? hold, IEnumerable<string> heldConsumers)
    {
        _hold = hold;
        _heldConsumers = new HashSet<string>(heldConsumers, StringComparer.Ordinal);
    }

    /// <summary>Registers a consumer with its own queue capacity.</summary>
    public ChannelReader<PollResult> Subscribe(string name, int capacity = 10_000)
    {
        var subscription = new Subscription(name, capacity, _hold is not null && _heldConsumers.Contains(name));
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription.Reader;
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
            var hold = s.Held ? _hold!() : null;
            if (!s.Channel.Writer.TryWrite(new Item(result, hold)))
            {
                hold?.Dispose();
            }
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

    private readonly record struct Item(PollResult Result, IDisposable? Hold);

    private sealed class Subscription
    {
        public long DroppedCount;

        public Subscription(string name, int capacity, bool held)
        {
            Name = name;
            Held = held;
            Channel = System.Threading.Channels.Channel.CreateBounded<Item>(
                new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                dropped =>
                {
                    Interlocked.Increment(ref DroppedCount);
                    dropped.Hold?.Dispose();
                });
            Reader = new ItemReader(Channel.Reader);
        }

        public string Name { get; }

        public bool Held { get; }

        public Channel<Item> Channel { get; }

        public ChannelReader<PollResult> Reader { get; }
    }

    /// <summary>Hands out results; the hold of the result read last is released when the consumer asks for the next one.</summary>
    private sealed class ItemReader(ChannelReader<Item> inner) : ChannelReader<PollResult>
    {
        private IDisposable? _current;

        public override Task Completion => inner.Completion;

        public override bool CanCount => inner.CanCount;

        public override int Count => inner.Count;

        public override bool CanPeek => inner.CanPeek;

        public override bool TryPeek([MaybeNullWhen(false)] out PollResult item)
        {
            if (inner.TryPeek(out var next))
            {
                item = next.Result;
                return true;
            }

            item = null;
            return false;
        }

        public override bool TryRead([MaybeNullWhen(false)] out PollResult item)
        {
            Interlocked.Exchange(ref _current, null)?.Dispose();
            if (inner.TryRead(out var next))
            {
                _current = next.Hold;
                item = next.Result;
                return true;
            }

            item = null;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Exchange(ref _current, null)?.Dispose();
            return inner.WaitToReadAsync(cancellationToken);
        }
    }
}
