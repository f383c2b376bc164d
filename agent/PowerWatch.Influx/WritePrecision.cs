namespace PowerWatch.Influx;

/// <summary>Timestamp precision of the lines in a write (the <c>precision</c> query parameter).</summary>
public enum WritePrecision
{
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Seconds,
}
