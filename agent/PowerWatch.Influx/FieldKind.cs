namespace PowerWatch.Influx;

/// <summary>The line-protocol type of a field value.</summary>
internal enum FieldKind
{
    Float,
    Integer,
    UnsignedInteger,
    Boolean,
    String,
}
