using System.Text;

namespace PowerWatch.SerialUps.ApcSmart;

/// <summary>
/// Splits the APC Smart byte stream into reply lines (LF-terminated, CR ignored, as NUT reads) and alert
/// characters, which may arrive anywhere: between replies, before a reply, or in the middle of one. Pure.
/// </summary>
public sealed class ApcSmartFramer
{
    private const int MaxLine = 64;
    private readonly StringBuilder _line = new(MaxLine);

    /// <summary>Consumes <paramref name="data"/>, reporting each alert and each complete line in stream order.</summary>
    public void Feed(ReadOnlySpan<byte> data, Action<ApcSmartAlert> alert, Action<string> line)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(line);
        foreach (var b in data)
        {
            if (ApcSmartProtocol.IsAlert(b))
            {
                alert((ApcSmartAlert)b);
            }
            else if (b == '\n')
            {
                line(_line.ToString());
                _line.Clear();
            }
            else if (b != '\r' && _line.Length < MaxLine)
            {
                _line.Append((char)b);
            }
        }
    }

    /// <summary>Bytes of an unfinished line (for error messages).</summary>
    public string Pending => _line.ToString();

    /// <summary>Forgets an unfinished line.</summary>
    public void Reset() => _line.Clear();
}
