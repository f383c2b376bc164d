using System.IO.Pipelines;

namespace PowerWatch.Modbus;

/// <summary>
/// Pumps a <see cref="Stream"/> into a <see cref="Pipe"/> so readers can wait with cancellable timeouts
/// (many serial streams ignore cancellation of a pending read). Writes go straight to the stream.
/// </summary>
internal sealed class StreamLink : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private int _disposed;

    public StreamLink(Stream stream, bool ownsStream)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _pump = Task.Run(PumpAsync);
    }

    public PipeReader Input => _pipe.Reader;

    /// <summary>Set when the pump stopped because of an error (null on a clean end of stream).</summary>
    public Exception? Fault { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _stream.WriteAsync(data, ct);
        await _stream.FlushAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_ownsStream)
        {
            await _stream.DisposeAsync();
        }

        if (_pump.IsCompleted)
        {
            await _pump;
        }

        await _pipe.Reader.CompleteAsync();
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        var writer = _pipe.Writer;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var memory = writer.GetMemory(512);
                var n = await _stream.ReadAsync(memory, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                writer.Advance(n);
                var flush = await writer.FlushAsync(_stop.Token);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // The pump ends on any stream failure; the reader sees completion and the error is kept in Fault.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!_stop.IsCancellationRequested)
            {
                Fault = e;
            }
        }
        finally
        {
            await writer.CompleteAsync();
        }
    }
}
