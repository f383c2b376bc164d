namespace PowerWatch.TestSupport;

/// <summary>
/// Waiting for a real peer (a process, a socket, a database, an agent's API) to reach a state, by polling the state
/// itself, never by sleeping for a guessed time. The one polling loop of the tests.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds. Throws <see cref="InvalidOperationException"/> with the
    /// reason as soon as <paramref name="stop"/> returns one (e.g. the process under test has exited), and
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> when <paramref name="timeout"/> has passed.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, Func<string?>? stop = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(what);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (stop?.Invoke() is { } reason)
            {
                throw new InvalidOperationException(reason);
            }

            if (await condition())
            {
                return;
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {timeout} waiting for: {what()}");
            }

            await Task.Delay(Interval, CancellationToken.None);
        }
    }

    /// <summary><see cref="UntilAsync(Func{Task{bool}}, TimeSpan, Func{string}, Func{string?})"/> for a synchronous condition.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what, Func<string?>? stop = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what, stop);
    }
}
