namespace PowerWatch.Mqtt;

/// <summary>An async counting gate whose limit can change (client window vs. the server's Receive Maximum).</summary>
internal sealed class InFlightWindow
{
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private int _limit;
    private int _used;

    public InFlightWindow(int limit)
    {
        _limit = limit;
    }

    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    public Task AcquireAsync(CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (_used < _limit && _waiters.Count == 0)
            {
                _used++;
                return Task.CompletedTask;
            }

            node = _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        return WaitAsync(node, cancellationToken);
    }

    public void Release()
    {
        List<TaskCompletionSource>? wake;
        lock (_gate)
        {
            _used--;
            wake = TakeWaitersLocked();
        }

        Wake(wake);
    }

    public void SetLimit(int limit)
    {
        List<TaskCompletionSource>? wake;
        lock (_gate)
        {
            _limit = limit;
            wake = TakeWaitersLocked();
        }

        Wake(wake);
    }

    private static void Wake(List<TaskCompletionSource>? wake)
    {
        if (wake is null)
        {
            return;
        }

        foreach (var w in wake)
        {
            if (!w.TrySetResult())
            {
                // Cancelled meanwhile: it never consumed its slot; the canceller gave it back.
            }
        }
    }

    private List<TaskCompletionSource>? TakeWaitersLocked()
    {
        List<TaskCompletionSource>? wake = null;
        while (_used < _limit && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _used++;
            (wake ??= []).Add(first.Value);
        }

        return wake;
    }

    private async Task WaitAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken cancellationToken)
    {
        using (cancellationToken.Register(() =>
        {
            bool removed;
            lock (_gate)
            {
                removed = node.List is not null;
                if (removed)
                {
                    _waiters.Remove(node);
                }
            }

            if (removed)
            {
                node.Value.TrySetCanceled(cancellationToken);
            }
        }))
        {
            await node.Value.Task;
        }
    }
}
