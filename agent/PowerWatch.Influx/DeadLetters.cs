using System.Globalization;
using System.Text;

namespace PowerWatch.Influx;

/// <summary>One line the server refused for good, with when, the HTTP status and the server's reason.</summary>
public sealed record DeadLetter(DateTimeOffset Timestamp, int? StatusCode, string Reason, string Line);

/// <summary>Where refused lines go. A sink that throws <see cref="IOException"/> is retried with back-off, so nothing is acknowledged unrecorded.</summary>
public interface IDeadLetterSink
{
    ValueTask WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken);
}

/// <summary>
/// Appends dead letters to a UTF-8 text file, one per line: <c>timestamp(ISO 8601)\tstatus\treason\tline</c>.
/// Tabs and line breaks in the reason are replaced by spaces so that the line protocol text, last, is intact.
/// Each write is flushed to disk before it returns.
/// </summary>
public sealed class DeadLetterFile : IDeadLetterSink, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly FileStream _stream;

    public DeadLetterFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }

        Path = path;
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous);
    }

    public string Path { get; }

    /// <summary>Parses one line of a dead-letter file back into a <see cref="DeadLetter"/>.</summary>
    public static DeadLetter Parse(string fileLine)
    {
        ArgumentNullException.ThrowIfNull(fileLine);
        var parts = fileLine.Split('\t', 4);
        if (parts.Length != 4)
        {
            throw new FormatException("A dead-letter line has four tab-separated parts: timestamp, status, reason, line.");
        }

        return new DeadLetter(
            DateTimeOffset.Parse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            parts[1].Length == 0 ? null : int.Parse(parts[1], CultureInfo.InvariantCulture),
            parts[2],
            parts[3]);
    }

    public async ValueTask WriteAsync(IReadOnlyList<DeadLetter> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var text = new StringBuilder();
        foreach (var l in letters)
        {
            text.Append(l.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append('\t')
                .Append(l.StatusCode?.ToString(CultureInfo.InvariantCulture)).Append('\t')
                .Append(l.Reason.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ')).Append('\t')
                .Append(l.Line.TrimEnd('\n')).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _gate.Dispose();
    }
}
