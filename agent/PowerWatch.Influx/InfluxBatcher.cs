using System.Buffers;
using PowerWatch.Shared;

namespace PowerWatch.Influx;

/// <summary>
/// Batches lines by count, bytes and time, sends one batch at a time (order kept), retries retryable failures
/// with bounded exponential back-off and jitter for as long as it takes (a batch is never dropped), and sends
/// lines the server refuses to an <see cref="IDeadLetterSink"/>. Every enqueue returns a task that completes
/// only once each of its lines was accepted or dead-lettered, so a caller can acknowledge its source then.
/// </summary>
/// <remarks>
/// Refusals: 400/413/422 are taken as line-level. Lines named by the server ("unable to parse '...'") are
/// dead-lettered and the rest re-sent; when the server does not say which lines (e.g. a 1.x field type
/// conflict), the batch is split in halves until each refused line is alone. Re-sending is safe because
/// InfluxDB writes are idempotent. Any other 4xx (401, 403, 404 database not found...) refuses the whole batch.
/// Disposal cancels whatever is not yet delivered: those tasks end cancelled (do not acknowledge them).
/// </remarks>
public sealed class InfluxBatcher : IAsyncDisposable
{
    private const int MaxScratchBytes = 1 << 20;
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;
    private readonly IInfluxWriteTarget _target;
    private readonly InfluxBatcherOptions _options;
    private readonly IDeadLetterSink _deadLetters;
    private readonly TimeProvider _timeProvider;
    private readonly Backoff _backoff;
    private readonly Lock _gate = new();
    private readonly Queue<LineRef> _pending = new();
    private readonly HashSet<Group> _held = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource _room = NewSignal();
    private int _heldLines;
    private long _pendingBytes;
    private bool _flushRequested;
    private bool _disposed;
    private Exception? _failure;
    private long _linesEnqueued;
    private long _linesAccepted;
    private long _linesDeadLettered;
    private long _requests;
    private long _retryableFailures;
    private long _rejections;

    /// <param name="random">Source of jitter (used under a lock); <see cref="Random.Shared"/> when null.</param>
    public InfluxBatcher(IInfluxWriteTarget target, InfluxBatcherOptions options, IDeadLetterSink deadLetters, TimeProvider? timeProvider = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(deadLetters);
        options.Validate();
        _target = target;
        _options = options;
        _deadLetters = deadLetters;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _backoff = new Backoff(options.InitialRetryDelay, options.MaxRetryDelay, options.JitterFraction, BackoffJitter.ShortenOnly, random);
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    public InfluxBatcherStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new InfluxBatcherStatistics(
                    _linesEnqueued, _linesAccepted, _linesDeadLettered, _requests, _retryableFailures, _rejections, _heldLines);
            }
        }
    }

    /// <summary>
    /// Encodes the points (throwing <see cref="LineProtocolException"/> for an invalid one before anything is queued),
    /// waits for room when <see cref="InfluxBatcherOptions.MaxHeldLines"/> are held, and queues them. The returned
    /// task completes when every line is accepted or dead-lettered.
    /// </summary>
    public ValueTask<Task<DeliveryReport>> EnqueueAsync(IEnumerable<Point> points, CancellationToken cancellationToken)
    {
        // Encoded into a per-thread scratch buffer, then copied once at its exact size (the queue keeps the copy):
        // one allocation per call instead of a buffer regrown several times for a long line.
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        scratch.ResetWrittenCount();
        LineProtocol.Write(scratch, points, _target.Precision);
        ReadOnlyMemory<byte> lines = scratch.WrittenSpan.ToArray();
        if (scratch.Capacity > MaxScratchBytes)
        {
            t_scratch = null;
        }

        return EnqueueAsync(lines, cancellationToken);
    }

    /// <summary>Queues pre-encoded line protocol (lines separated by <c>\n</c>, in the target's precision); see the other overload.</summary>
    public async ValueTask<Task<DeliveryReport>> EnqueueAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        var refs = SplitLines(lines);
        var group = new Group(refs.Count, _timeProvider.GetUtcNow());
        if (refs.Count == 0)
        {
            group.Completion.TrySetResult(new DeliveryReport(0, 0, 0));
            return group.Completion.Task;
        }

        while (true)
        {
            Task? room = null;
            TaskCompletionSource? wake = null;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_failure is not null)
                {
                    throw new InvalidOperationException("The batcher stopped after its write target failed unexpectedly.", _failure);
                }

                if (_heldLines == 0 || _heldLines + refs.Count <= _options.MaxHeldLines)
                {
                    var wasEmpty = _pending.Count == 0;
                    foreach (var r in refs)
                    {
                        _pending.Enqueue(new LineRef(group, r));
                        _pendingBytes += r.Length;
                    }

                    _heldLines += refs.Count;
                    _linesEnqueued += refs.Count;
                    _held.Add(group);
                    if (wasEmpty || _pending.Count >= _options.MaxBatchLines || _pendingBytes >= _options.MaxBatchBytes)
                    {
                        wake = _wake;
                    }
                }
                else
                {
                    if (_room.Task.IsCompleted)
                    {
                        _room = NewSignal();
                    }

                    room = _room.Task;
                }
            }

            if (room is null)
            {
                wake?.TrySetResult();
                return group.Completion.Task;
            }

            await room.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Sends everything queued now, without waiting for size or interval, and waits until it is all delivered.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        Task all;
        TaskCompletionSource wake;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            all = Task.WhenAll(_held.Select(g => (Task)g.Completion.Task));
            _flushRequested = _pending.Count > 0;
            wake = _wake;
        }

        wake.TrySetResult();
        return all.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stopping.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        lock (_gate)
        {
            foreach (var g in _held)
            {
                g.Completion.TrySetCanceled();
            }

            _held.Clear();
            _pending.Clear();
        }

        _stopping.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static List<ReadOnlyMemory<byte>> SplitLines(ReadOnlyMemory<byte> lines)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        var span = lines.Span;
        var start = 0;
        while (start < span.Length)
        {
            var nl = span[start..].IndexOf((byte)'\n');
            var end = nl < 0 ? span.Length : start + nl + 1;
            var line = lines[start..end];
            if (line.Length > (nl < 0 ? 0 : 1))
            {
                result.Add(nl < 0 ? AppendNewline(line) : line);
            }

            start = end;
        }

        return result;
    }

    private static ReadOnlyMemory<byte> AppendNewline(ReadOnlyMemory<byte> line)
    {
        var copy = new byte[line.Length + 1];
        line.Span.CopyTo(copy);
        copy[^1] = (byte)'\n';
        return copy;
    }

    private static bool IsLineLevel(int? status) => status is 400 or 413 or 422;

    private async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            await RunBatchesAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A failing target must fail the waiting deliveries loudly, not leave them hanging.
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_gate)
            {
                _failure = e;
                foreach (var g in _held)
                {
                    g.Completion.TrySetException(e);
                }

                _held.Clear();
                _pending.Clear();
            }
        }
    }

    private async Task RunBatchesAsync(CancellationToken stopping)
    {
        var batch = new List<LineRef>();
        while (true)
        {
            await WaitForBatchAsync(stopping);
            batch.Clear();
            lock (_gate)
            {
                long bytes = 0;
                while (_pending.Count > 0 && batch.Count < _options.MaxBatchLines
                       && (batch.Count == 0 || bytes + _pending.Peek().Bytes.Length <= _options.MaxBatchBytes))
                {
                    var line = _pending.Dequeue();
                    bytes += line.Bytes.Length;
                    batch.Add(line);
                }

                _pendingBytes -= bytes;
                if (_pending.Count == 0)
                {
                    _flushRequested = false;
                }
            }

            await SendAsync(batch, stopping);
        }
    }

    private async Task WaitForBatchAsync(CancellationToken stopping)
    {
        while (true)
        {
            Task wake;
            TimeSpan? wait = null;
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = NewSignal();
                }

                if (_pending.Count > 0)
                {
                    var due = _pending.Peek().Group.EnqueuedAt + _options.FlushInterval - _timeProvider.GetUtcNow();
                    if (_flushRequested || _pending.Count >= _options.MaxBatchLines || _pendingBytes >= _options.MaxBatchBytes || due <= TimeSpan.Zero)
                    {
                        return;
                    }

                    wait = due;
                }

                wake = _wake.Task;
            }

            if (wait is null)
            {
                await wake.WaitAsync(stopping);
            }
            else
            {
                try
                {
                    await wake.WaitAsync(wait.Value, _timeProvider, stopping);
                }
                catch (TimeoutException)
                {
                    // Flush interval elapsed: re-check under the lock.
                }
            }
        }
    }

    /// <summary>Delivers one part of a batch: retries until the server accepts or refuses, then resolves refusals line by line.</summary>
    private async Task SendAsync(List<LineRef> part, CancellationToken stopping)
    {
        // The body is assembled in a pooled array of its exact size: a batch of a few MB would otherwise be a new
        // large-object-heap buffer, regrown several times, for every write.
        var size = 0;
        foreach (var l in part)
        {
            size += l.Bytes.Length;
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        WriteResult result;
        var returnToPool = false;
        try
        {
            var offset = 0;
            foreach (var l in part)
            {
                l.Bytes.Span.CopyTo(rented.AsSpan(offset));
                offset += l.Bytes.Length;
            }

            var body = new ReadOnlyMemory<byte>(rented, 0, size);
            var attempt = 0;
            var withoutResponse = false;
            while (true)
            {
                Interlocked.Increment(ref _requests);
                result = await _target.WriteAsync(body, stopping);
                withoutResponse |= result.Exception is not null;
                if (result.Outcome != WriteOutcome.Retryable)
                {
                    break;
                }

                Interlocked.Increment(ref _retryableFailures);
                await Task.Delay(result.RetryAfter ?? _backoff.Delay(attempt), _timeProvider, stopping);
                attempt++;
            }

            returnToPool = !withoutResponse;
        }
        finally
        {
            // Back to the pool only when every attempt got a response (the body was read); after a request that failed
            // or was cancelled without one the HTTP stack may still hold it, and the garbage collector takes it instead.
            if (returnToPool)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (result.Outcome == WriteOutcome.Accepted)
        {
            Complete(part, accepted: true);
            return;
        }

        Interlocked.Increment(ref _rejections);
        var reason = result.Error ?? $"HTTP {result.StatusCode}";
        if (part.Count == 1 || !IsLineLevel(result.StatusCode))
        {
            await DeadLetterAsync(part, result.StatusCode, reason, stopping);
            return;
        }

        if (result.RejectedLines.Count > 0)
        {
            var named = new bool[part.Count];
            var letters = new List<LineRef>();
            var reasons = new List<string>();
            foreach (var r in result.RejectedLines)
            {
                if (r.Index < part.Count && !named[r.Index])
                {
                    named[r.Index] = true;
                    letters.Add(part[r.Index]);
                    reasons.Add(r.Reason);
                }
            }

            if (letters.Count == 0)
            {
                await SplitAndSendAsync(part, stopping);
                return;
            }

            await DeadLetterAsync(letters, result.StatusCode, reasons, stopping);
            var rest = part.Where((_, i) => !named[i]).ToList();
            if (rest.Count > 0)
            {
                await SendAsync(rest, stopping);
            }

            return;
        }

        await SplitAndSendAsync(part, stopping);
    }

    private async Task SplitAndSendAsync(List<LineRef> part, CancellationToken stopping)
    {
        var half = part.Count / 2;
        await SendAsync(part.GetRange(0, half), stopping);
        await SendAsync(part.GetRange(half, part.Count - half), stopping);
    }

    private Task DeadLetterAsync(List<LineRef> lines, int? status, string reason, CancellationToken stopping) =>
        DeadLetterAsync(lines, status, Enumerable.Repeat(reason, lines.Count).ToList(), stopping);

    private async Task DeadLetterAsync(List<LineRef> lines, int? status, List<string> reasons, CancellationToken stopping)
    {
        var now = _timeProvider.GetUtcNow();
        var letters = new List<DeadLetter>(lines.Count);
        for (var i = 0; i < lines.Count; i++)
        {
            letters.Add(new DeadLetter(now, status, reasons[i], System.Text.Encoding.UTF8.GetString(lines[i].Bytes.Span[..^1])));
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _deadLetters.WriteAsync(letters, stopping);
                break;
            }
            catch (IOException)
            {
                // Not recorded, so not complete: keep the lines (and the caller's acks) until the sink works again.
                await Task.Delay(_backoff.Delay(attempt), _timeProvider, stopping);
            }
        }

        Complete(lines, accepted: false);
    }

    private void Complete(List<LineRef> lines, bool accepted)
    {
        TaskCompletionSource? room = null;
        lock (_gate)
        {
            foreach (var l in lines)
            {
                var g = l.Group;
                if (accepted)
                {
                    g.Accepted++;
                }
                else
                {
                    g.DeadLettered++;
                }

                if (g.Accepted + g.DeadLettered == g.Lines)
                {
                    _held.Remove(g);
                    g.Completion.TrySetResult(new DeliveryReport(g.Lines, g.Accepted, g.DeadLettered));
                }
            }

            _heldLines -= lines.Count;
            if (accepted)
            {
                _linesAccepted += lines.Count;
            }
            else
            {
                _linesDeadLettered += lines.Count;
            }

            room = _room;
        }

        room.TrySetResult();
    }

    private readonly record struct LineRef(Group Group, ReadOnlyMemory<byte> Bytes);

    private sealed class Group(int lines, DateTimeOffset enqueuedAt)
    {
        public int Lines { get; } = lines;

        public DateTimeOffset EnqueuedAt { get; } = enqueuedAt;

        public int Accepted { get; set; }

        public int DeadLettered { get; set; }

        public TaskCompletionSource<DeliveryReport> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
