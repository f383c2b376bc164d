namespace PowerWatch.Agent.Inputs;

/// <summary>
/// The clients of transport endpoints (a Modbus TCP connection, a serial bus, a NUT session), one per key, owned
/// by the host: the pollers and the write actions get the same client for the same endpoint, so a command goes
/// over the connection the poller already holds and is serialised with its requests. Disposed with the host.
/// </summary>
internal sealed class EndpointClientPool : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IAsyncDisposable> _clients = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>The client of <paramref name="key"/>, created by <paramref name="create"/> on first use.</summary>
    /// <exception cref="InvalidOperationException">The key holds a client of another type.</exception>
    public T GetOrAdd<T>(string key, Func<T> create)
        where T : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_clients.TryGetValue(key, out var existing))
            {
                return existing as T ?? throw new InvalidOperationException($"endpoint '{key}' already has a {existing.GetType().Name}, not a {typeof(T).Name}");
            }

            var client = create();
            _clients.Add(key, client);
            return client;
        }
    }

    /// <summary>The client of <paramref name="key"/> when one of type <typeparamref name="T"/> was created, else null.</summary>
    public T? Find<T>(string key)
        where T : class, IAsyncDisposable
    {
        lock (_gate)
        {
            return _clients.GetValueOrDefault(key) as T;
        }
    }

    /// <summary>Number of clients created so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _clients.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<IAsyncDisposable> clients;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            clients = [.. _clients.Values];
            _clients.Clear();
        }

        foreach (var c in clients)
        {
            try
            {
                await c.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Best effort on shutdown: one client failing to close must not keep the others open.
            }
        }
    }
}
