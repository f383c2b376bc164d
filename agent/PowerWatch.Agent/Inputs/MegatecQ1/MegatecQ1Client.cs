using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.Agent.Inputs.MegatecQ1;

/// <summary>
/// Request/reply over one Megatec link: writes a CR-terminated command and reads CR-terminated lines until the
/// command's reply turns up. Lines that are neither the reply's shape nor the command's echo (line noise, a late
/// reply to an earlier timed-out command) are skipped; when nothing better comes before the per-command timeout,
/// the most specific error seen is thrown. The echo of the command means "unsupported" (SPEC §5).
/// One command at a time; not thread-safe (one poller owns it).
/// </summary>
internal sealed class MegatecQ1Client : IAsyncDisposable
{
    private const int MaxLine = 128;
    private readonly ISerialUpsLink _link;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly byte[] _buffer = new byte[MaxLine * 2];
    private int _count;

    public MegatecQ1Client(ISerialUpsLink link, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(time);
        _link = link;
        _timeout = timeout;
        _time = time;
    }

    /// <summary><c>Q1</c>: status.</summary>
    public async Task<MegatecQ1Status> ReadStatusAsync(CancellationToken cancellationToken)
    {
        var line = await ExchangeAsync("Q1", (byte)'(', MegatecQ1Protocol.StatusLength, allowLonger: true, cancellationToken);
        return MegatecQ1Protocol.ParseStatus(line);
    }

    /// <summary><c>F</c>: ratings.</summary>
    public async Task<MegatecQ1Ratings> ReadRatingsAsync(CancellationToken cancellationToken)
    {
        var line = await ExchangeAsync("F", (byte)'#', MegatecQ1Protocol.RatingsLength, allowLonger: false, cancellationToken);
        return MegatecQ1Protocol.ParseRatings(line);
    }

    /// <summary><c>I</c>: identification.</summary>
    public async Task<MegatecQ1Identity> ReadIdentityAsync(CancellationToken cancellationToken)
    {
        var line = await ExchangeAsync("I", (byte)'#', MegatecQ1Protocol.IdentityLength, allowLonger: false, cancellationToken);
        return MegatecQ1Protocol.ParseIdentity(line);
    }

    /// <summary>
    /// Sends <paramref name="command"/> and returns the first line (CR removed, leading garbage cut) that starts
    /// with <paramref name="start"/> and has <paramref name="length"/> bytes (or more, when <paramref name="allowLonger"/>:
    /// Q1 replies with appended fields, SPEC-DEVICES §5).
    /// </summary>
    public async Task<byte[]> ExchangeAsync(string command, byte start, int length, bool allowLonger, CancellationToken cancellationToken)
    {
        // Whatever arrived before this command belongs to no one.
        _count = 0;
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        MegatecQ1Exception? skipped = null;
        try
        {
            await _link.Stream.WriteAsync(MegatecQ1Protocol.Command(command), linked.Token);
            while (true)
            {
                var line = await ReadLineAsync(linked.Token);
                if (MegatecQ1Protocol.IsEcho(line, command))
                {
                    throw new MegatecQ1Exception(MegatecQ1Error.Unsupported, $"the UPS echoed '{command}': command not supported");
                }

                var reply = MegatecQ1Protocol.Resync(line, start, length, allowLonger);
                if (MegatecQ1Protocol.HasShape(reply, start, length, allowLonger))
                {
                    return reply.ToArray();
                }

                skipped = reply.Length < length || (reply.Length > length && !allowLonger)
                    ? new MegatecQ1Exception(MegatecQ1Error.WrongLength, $"{command} reply is {reply.Length} bytes before CR, expected {(allowLonger ? "at least " : "")}{length}: '{MegatecQ1Protocol.Show(reply)}'")
                    : new MegatecQ1Exception(MegatecQ1Error.BadStart, $"{command} reply starts with '{MegatecQ1Protocol.Show(reply[..1])}', expected '{(char)start}': '{MegatecQ1Protocol.Show(reply)}'");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (skipped is not null)
            {
                throw skipped;
            }

            var partial = _count > 0 ? $"; {_count} bytes without CR: '{MegatecQ1Protocol.Show(_buffer.AsSpan(0, _count))}'" : "";
            throw new MegatecQ1Exception(MegatecQ1Error.Timeout, $"no reply to '{command}' within {_timeout.TotalMilliseconds:0} ms{partial}");
        }
    }

    private async Task<byte[]> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var cr = Array.IndexOf(_buffer, (byte)'\r', 0, _count);
            if (cr >= 0)
            {
                var line = _buffer.AsSpan(0, cr);

                // LF (some firmwares send CR LF) and NUL padding are not part of any reply.
                var trimmed = line.TrimStart((byte)'\n').TrimStart((byte)0).ToArray();
                _count -= cr + 1;
                Array.Copy(_buffer, cr + 1, _buffer, 0, _count);
                return trimmed;
            }

            if (_count >= MaxLine)
            {
                // A run of noise with no CR: keep the tail, where a reply may be starting.
                Array.Copy(_buffer, _count - (MaxLine / 2), _buffer, 0, MaxLine / 2);
                _count = MaxLine / 2;
            }

            var n = await _link.Stream.ReadAsync(_buffer.AsMemory(_count, _buffer.Length - _count), cancellationToken);
            if (n == 0)
            {
                throw new EndOfStreamException("the serial link closed");
            }

            _count += n;
        }
    }

    public ValueTask DisposeAsync() => _link.DisposeAsync();
}
