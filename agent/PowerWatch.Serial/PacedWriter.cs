namespace PowerWatch.Serial;

/// <summary>
/// Emulates line timing on a link that has none (a pty, a TCP tunnel): each byte is handed to the
/// destination when its last stop bit would have left a real UART at the configured baud rate, and a new
/// write waits while the previous one is still "on the wire". Time comes from the injected
/// <see cref="TimeProvider"/>. Bytes due within the same <see cref="Granularity"/> are written together,
/// since timers cannot wake a thread once per byte at high rates.
/// </summary>
public sealed class PacedWriter
{
    private readonly Stream _destination;
    private readonly TimeProvider _timeProvider;
    private readonly long _origin;
    private readonly long _bitsPerCharacter;
    private readonly long _baudRate;
    private int _writing;
    private TimeSpan _lineFreeAt;

    /// <summary>Paces writes to <paramref name="destination"/> (not owned) at the rate and framing of <paramref name="settings"/>.</summary>
    public PacedWriter(Stream destination, SerialPortSettings settings, TimeProvider timeProvider, TimeSpan? granularity = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (settings.BaudRate is < SerialPortSettings.MinBaudRate or > SerialPortSettings.MaxBaudRate)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.BaudRate, $"{nameof(SerialPortSettings.BaudRate)} is out of range");
        }

        Granularity = granularity ?? TimeSpan.FromMilliseconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Granularity, TimeSpan.Zero, nameof(granularity));
        _destination = destination;
        Settings = settings;
        _timeProvider = timeProvider;
        _origin = timeProvider.GetTimestamp();
        _bitsPerCharacter = settings.BitsPerCharacter;
        _baudRate = settings.BaudRate;
    }

    /// <summary>The line settings being emulated.</summary>
    public SerialPortSettings Settings { get; }

    /// <summary>Shortest wait between two hand-overs to the destination.</summary>
    public TimeSpan Granularity { get; }

    /// <summary>
    /// Writes <paramref name="data"/> paced at the line rate; completes when the last byte has been handed over,
    /// i.e. when it would have been fully received on a real line. One write at a time: an overlapping call throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("PacedWriter does not support overlapping writes: await each WriteAsync before the next");
        }

        try
        {
            var now = Elapsed();
            var start = now > _lineFreeAt ? now : _lineFreeAt;
            var sent = 0;
            try
            {
                while (sent < data.Length)
                {
                    now = Elapsed();
                    var due = now <= start ? 0 : (int)Math.Min(data.Length, CharactersCompletedIn(now - start));
                    if (due > sent)
                    {
                        await _destination.WriteAsync(data[sent..due], cancellationToken).ConfigureAwait(false);
                        sent = due;
                        continue;
                    }

                    var nextAt = start + Settings.TransmitTime(sent + 1);
                    var wait = nextAt - now;
                    if (wait < Granularity)
                    {
                        wait = Granularity;
                    }

                    await DelayAsync(wait, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                // Whatever was handed over occupied the line.
                var busyUntil = start + Settings.TransmitTime(sent);
                if (busyUntil > _lineFreeAt)
                {
                    _lineFreeAt = busyUntil;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>
    /// A timer wait with tick precision (Task.Delay with a TimeProvider truncates to whole milliseconds, which
    /// would stall pacing at sub-millisecond character times). The continuation runs on the timer's thread.
    /// </summary>
    private async Task DelayAsync(TimeSpan due, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource();
        using var timer = _timeProvider.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), done, due, Timeout.InfiniteTimeSpan);
        using var registration = cancellationToken.Register(static (s, token) => ((TaskCompletionSource)s!).TrySetCanceled(token), done);
        await done.Task.ConfigureAwait(false);
    }

    private TimeSpan Elapsed() => _timeProvider.GetElapsedTime(_origin);

    private long CharactersCompletedIn(TimeSpan span) =>
        (long)((Int128)span.Ticks * _baudRate / ((Int128)_bitsPerCharacter * TimeSpan.TicksPerSecond));
}
