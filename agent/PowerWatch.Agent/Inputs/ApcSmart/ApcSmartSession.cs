using System.Threading.Channels;
using PowerWatch.Agent.Inputs.SerialUps;
using PowerWatch.SerialUps.ApcSmart;

namespace PowerWatch.Agent.Inputs.ApcSmart;

/// <summary>Why an APC Smart exchange failed.</summary>
internal enum ApcSmartError
{
    /// <summary>No reply line within the command timeout.</summary>
    Timeout,

    /// <summary><c>Y</c> was not answered with <c>SM</c>.</summary>
    NoSmartMode,

    /// <summary>The link closed or failed.</summary>
    LinkLost,
}

/// <summary>An APC Smart exchange that failed; <see cref="Error"/> says how.</summary>
internal sealed class ApcSmartException : IOException
{
    public ApcSmartException()
    {
    }

    public ApcSmartException(string message)
        : base(message)
    {
    }

    public ApcSmartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ApcSmartException(ApcSmartError error, string message, Exception? innerException = null)
        : base(message, innerException) => Error = error;

    public ApcSmartError Error { get; }
}

/// <summary>
/// One APC Smart link in smart mode (SPEC §6). A background reader owns the receive side for the life of the
/// link: alert characters are reported through <see cref="AlertReceived"/> the moment they arrive, whether or
/// not a command is outstanding; reply lines go to the one outstanding <see cref="QueryAsync"/>. One command at
/// a time (one poller owns it).
/// </summary>
internal sealed class ApcSmartSession : IAsyncDisposable
{
    private readonly ISerialUpsLink _link;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ApcSmartFramer _framer = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _command = new byte[1];
    private Task _reader = Task.CompletedTask;

    public ApcSmartSession(ISerialUpsLink link, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(time);
        _link = link;
        _timeout = timeout;
        _time = time;
    }

    /// <summary>Raised on the reader's thread for every alert character received.</summary>
    public event Action<ApcSmartAlert>? AlertReceived;

    /// <summary>True once the link failed or closed; the owner should open a new session.</summary>
    public bool IsBroken => _reader.IsCompleted && _reader != Task.CompletedTask;

    /// <summary>Starts the reader and enters smart mode (<c>Y</c> → <c>SM</c>).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _reader = Task.Run(() => ReadLoopAsync(_stop.Token), CancellationToken.None);
        await EnterSmartModeAsync(cancellationToken);
    }

    /// <summary>Sends <c>Y</c> and waits for <c>SM</c>, skipping any other line (leftovers of an earlier session).</summary>
    public async Task EnterSmartModeAsync(CancellationToken cancellationToken)
    {
        Drain();
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        string? last = null;
        try
        {
            await SendAsync(ApcSmartProtocol.SmartMode, linked.Token);
            while (true)
            {
                last = await NextLineAsync(linked.Token);
                if (last == ApcSmartProtocol.SmartModeReply)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ApcSmartException(ApcSmartError.NoSmartMode, last is null
                ? $"no answer to 'Y' within {_timeout.TotalMilliseconds:0} ms (cable, baud rate 2400 8N1?)"
                : $"'Y' answered '{last}', not 'SM'");
        }
    }

    /// <summary>
    /// Sends one command character and returns its reply line (CR LF and alerts removed), or null when the UPS
    /// answers <c>NA</c>. A UPS that answers <c>SM</c> has dropped out of smart mode: smart mode is entered again
    /// and the command retried once.
    /// </summary>
    public async Task<string?> QueryAsync(byte command, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var reply = await ExchangeAsync(command, cancellationToken);
            if (reply == ApcSmartProtocol.SmartModeReply && attempt == 0)
            {
                await EnterSmartModeAsync(cancellationToken);
                continue;
            }

            return reply == ApcSmartProtocol.NotAvailable ? null : reply;
        }
    }

    private async Task<string> ExchangeAsync(byte command, CancellationToken cancellationToken)
    {
        Drain();
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await SendAsync(command, linked.Token);
            return await NextLineAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var name = command < 0x20 ? $"^{(char)(command + '@')}" : ((char)command).ToString();
            throw new ApcSmartException(ApcSmartError.Timeout, $"no reply to '{name}' within {_timeout.TotalMilliseconds:0} ms");
        }
    }

    private async Task SendAsync(byte command, CancellationToken cancellationToken)
    {
        _command[0] = command;
        await _link.Stream.WriteAsync(_command, cancellationToken);
    }

    private async Task<string> NextLineAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _lines.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException ex)
        {
            throw new ApcSmartException(ApcSmartError.LinkLost, "the serial link closed: " + (ex.InnerException?.Message ?? "end of stream"), ex.InnerException);
        }
    }

    private void Drain()
    {
        while (_lines.Reader.TryRead(out _))
        {
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        Exception? error = null;
        try
        {
            while (true)
            {
                var n = await _link.Stream.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    break;
                }

                _framer.Feed(buffer.AsSpan(0, n), a => AlertReceived?.Invoke(a), l => _lines.Writer.TryWrite(l));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = ex;
        }

        _lines.Writer.TryComplete(error);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _link.DisposeAsync();
        try
        {
            await _reader;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
