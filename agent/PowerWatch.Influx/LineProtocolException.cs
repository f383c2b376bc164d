namespace PowerWatch.Influx;

/// <summary>A value cannot be represented in InfluxDB line protocol (empty name, newline, NaN, ...).</summary>
public sealed class LineProtocolException : ArgumentException
{
    public LineProtocolException()
    {
    }

    public LineProtocolException(string message)
        : base(message)
    {
    }

    public LineProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LineProtocolException(string message, string? paramName)
        : base(message, paramName)
    {
    }
}
