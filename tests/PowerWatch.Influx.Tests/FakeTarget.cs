using System.Text;

namespace PowerWatch.Influx.Tests;

/// <summary>A write target that answers from a script and records every body it was sent.</summary>
internal sealed class FakeTarget : IInfluxWriteTarget
{
    private readonly Func<string, int, WriteResult> _answer;
    private readonly Lock _gate = new();
    private readonly List<string> _bodies = [];
    private readonly HashSet<string> _accepted = [];
    private TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="answer">(body, 0-based call number) → result.</param>
    public FakeTarget(Func<string, int, WriteResult> answer)
    {
        _answer = answer;
    }

    public WritePrecision Precision => WritePrecision.Nanoseconds;

    public IReadOnlyList<string> Bodies
    {
        get
        {
            lock (_gate)
            {
                return [.. _bodies];
            }
        }
    }

    /// <summary>Distinct lines of accepted bodies (writes are idempotent, so duplicates count once).</summary>
    public int AcceptedDistinctLines
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count;
            }
        }
    }

    public static WriteResult Ok => WriteResult.Accepted(204);

    public static WriteResult Unavailable(TimeSpan? retryAfter = null) =>
        new() { Outcome = WriteOutcome.Retryable, StatusCode = 503, Error = "unavailable", RetryAfter = retryAfter };

    public Task<WriteResult> WriteAsync(ReadOnlyMemory<byte> lines, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetString(lines.Span);
        WriteResult r;
        TaskCompletionSource called;
        lock (_gate)
        {
            r = _answer(body, _bodies.Count);
            _bodies.Add(body);
            if (r.Outcome == WriteOutcome.Accepted || r.IsPartialWrite)
            {
                foreach (var l in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!r.RejectedLines.Any(x => x.Line == l) && r.Outcome == WriteOutcome.Accepted)
                    {
                        _accepted.Add(l);
                    }
                }
            }

            called = _called;
            _called = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        called.SetResult();
        return Task.FromResult(r);
    }

    /// <summary>Waits (on real time, bounded) until at least <paramref name="count"/> calls were made.</summary>
    public async Task WaitForCallsAsync(int count)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_bodies.Count >= count)
                {
                    return;
                }

                next = _called.Task;
            }

            await next.WaitAsync(cts.Token);
        }
    }
}

/// <summary>Wraps a <see cref="PowerWatch.TestSupport.ManualTimeProvider"/> and records the due time of every timer created.</summary>
internal sealed class RecordingTimeProvider(PowerWatch.TestSupport.ManualTimeProvider inner) : TimeProvider
{
    private readonly List<TimeSpan> _dueTimes = [];

    public PowerWatch.TestSupport.ManualTimeProvider Inner => inner;

    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_dueTimes)
            {
                return [.. _dueTimes];
            }
        }
    }

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_dueTimes)
        {
            _dueTimes.Add(dueTime);
        }

        return inner.CreateTimer(callback, state, dueTime, period);
    }
}
