using System.Globalization;

namespace PowerWatch.Core;

/// <summary>What a <see cref="ReadingValue"/> holds.</summary>
public enum ReadingValueKind
{
    /// <summary>No value (a bad reading whose value the device could not give).</summary>
    None = 0,

    /// <summary>A double.</summary>
    Number = 1,

    /// <summary>A boolean.</summary>
    Boolean = 2,

    /// <summary>A short string (enum value, status token set, nameplate text).</summary>
    Text = 3,
}

/// <summary>A reading's value: a double, a bool or a short string (or nothing, for a bad reading).</summary>
public readonly struct ReadingValue : IEquatable<ReadingValue>
{
    private readonly double _number;
    private readonly string? _text;

    private ReadingValue(ReadingValueKind kind, double number, string? text)
    {
        Kind = kind;
        _number = number;
        _text = text;
    }

    /// <summary>The empty value.</summary>
    public static ReadingValue None => default;

    public ReadingValueKind Kind { get; }

    public bool IsNone => Kind == ReadingValueKind.None;

    /// <summary>The number; throws when the value is not a number.</summary>
    public double Number => Kind == ReadingValueKind.Number
        ? _number
        : throw new InvalidOperationException($"Reading value is {Kind}, not Number.");

    /// <summary>The boolean; throws when the value is not a boolean.</summary>
    public bool Boolean => Kind == ReadingValueKind.Boolean
        ? _number != 0
        : throw new InvalidOperationException($"Reading value is {Kind}, not Boolean.");

    /// <summary>The text; throws when the value is not text.</summary>
    public string Text => Kind == ReadingValueKind.Text
        ? _text!
        : throw new InvalidOperationException($"Reading value is {Kind}, not Text.");

    public static ReadingValue FromNumber(double value) => new(ReadingValueKind.Number, value, null);

    public static ReadingValue FromBoolean(bool value) => new(ReadingValueKind.Boolean, value ? 1 : 0, null);

    public static ReadingValue FromText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new ReadingValue(ReadingValueKind.Text, 0, value);
    }

    public bool TryGetNumber(out double value)
    {
        value = _number;
        return Kind == ReadingValueKind.Number;
    }

    public bool TryGetBoolean(out bool value)
    {
        value = Kind == ReadingValueKind.Boolean && _number != 0;
        return Kind == ReadingValueKind.Boolean;
    }

    public bool TryGetText(out string value)
    {
        value = _text ?? string.Empty;
        return Kind == ReadingValueKind.Text;
    }

    public bool Equals(ReadingValue other) => Kind == other.Kind && Kind switch
    {
        ReadingValueKind.None => true,
        ReadingValueKind.Text => string.Equals(_text, other._text, StringComparison.Ordinal),
        _ => _number.Equals(other._number),
    };

    public override bool Equals(object? obj) => obj is ReadingValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        ReadingValueKind.Text => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode(_text!)),
        _ => HashCode.Combine(Kind, _number),
    };

    /// <summary>Invariant rendering: numbers round-trip ("R"), booleans <c>true</c>/<c>false</c>, text as is, none empty.</summary>
    public override string ToString() => Kind switch
    {
        ReadingValueKind.Number => _number.ToString("R", CultureInfo.InvariantCulture),
        ReadingValueKind.Boolean => _number != 0 ? "true" : "false",
        ReadingValueKind.Text => _text!,
        _ => string.Empty,
    };

    public static bool operator ==(ReadingValue left, ReadingValue right) => left.Equals(right);

    public static bool operator !=(ReadingValue left, ReadingValue right) => !left.Equals(right);
}
