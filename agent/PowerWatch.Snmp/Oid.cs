using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace PowerWatch.Snmp;

/// <summary>
/// An OBJECT IDENTIFIER: an immutable sequence of 2 to <see cref="MaxArcs"/> unsigned 32-bit arcs, the first 0, 1 or 2
/// (X.690 §8.19; RFC 2578 §3.5 limits an SNMP OID to 128 sub-identifiers). Ordered lexicographically arc by arc, the
/// order GETNEXT walks in. <c>default(Oid)</c> is the empty OID (no arcs), used only as "none".
/// </summary>
public readonly struct Oid : IEquatable<Oid>, IComparable<Oid>
{
    /// <summary>Most arcs an OID may have (RFC 2578 §3.5).</summary>
    public const int MaxArcs = 128;

    private readonly uint[]? _arcs;

    /// <summary>Creates an OID from its arcs (copied). Throws <see cref="ArgumentException"/> when they are not a valid OID.</summary>
    public Oid(params ReadOnlySpan<uint> arcs)
    {
        if (Validate(arcs) is { } problem)
        {
            throw new ArgumentException(problem, nameof(arcs));
        }

        _arcs = arcs.ToArray();
    }

    private Oid(uint[] arcs, bool _)
    {
        _arcs = arcs;
    }

    /// <summary>The arcs.</summary>
    public ReadOnlySpan<uint> Arcs => _arcs;

    /// <summary>Number of arcs.</summary>
    public int Length => _arcs?.Length ?? 0;

    /// <summary>True for <c>default(Oid)</c>.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>The arc at a position.</summary>
    public uint this[int index] => Arcs[index];

    /// <summary>Parses dotted decimal, with or without a leading dot: <c>1.3.6.1.2.1.1.1.0</c>.</summary>
    public static Oid Parse(string text) =>
        TryParse(text, out var oid, out var problem) ? oid : throw new FormatException($"'{text}' is not an OID: {problem}");

    /// <summary>Parses dotted decimal; false when the text is not a valid OID.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Oid oid) => TryParse(text, out oid, out _);

    private static bool TryParse(string? text, out Oid oid, out string problem)
    {
        oid = default;
        if (string.IsNullOrEmpty(text))
        {
            problem = "empty";
            return false;
        }

        var span = text.AsSpan();
        if (span[0] == '.')
        {
            span = span[1..];
        }

        var arcs = new List<uint>();
        foreach (var range in span.Split('.'))
        {
            var part = span[range];
            if (part.Length == 0 || part.Length > 10 || part.ContainsAnyExceptInRange('0', '9')
                || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var arc))
            {
                problem = "each arc must be a decimal number from 0 to 4294967295";
                return false;
            }

            if (arcs.Count == MaxArcs)
            {
                problem = $"more than {MaxArcs} arcs";
                return false;
            }

            arcs.Add(arc);
        }

        var array = arcs.ToArray();
        if (Validate(array) is { } p)
        {
            problem = p;
            return false;
        }

        oid = new Oid(array, false);
        problem = "";
        return true;
    }

    /// <summary>Why arcs are not a valid OID, or null when they are.</summary>
    internal static string? Validate(ReadOnlySpan<uint> arcs)
    {
        if (arcs.Length < 2)
        {
            return "an OID has at least two arcs";
        }

        if (arcs.Length > MaxArcs)
        {
            return $"more than {MaxArcs} arcs";
        }

        if (arcs[0] > 2)
        {
            return "the first arc must be 0, 1 or 2";
        }

        if (arcs[0] < 2 && arcs[1] > 39)
        {
            return "the second arc must be at most 39 under 0 and 1";
        }

        // X.690 §8.19.4: the first two arcs share one sub-identifier, 40 * first + second, which must fit our 32-bit arcs.
        if (arcs[0] == 2 && arcs[1] > uint.MaxValue - 80)
        {
            return "the second arc under 2 is too large";
        }

        return null;
    }

    /// <summary>Wraps an array the decoder built and validated (not copied).</summary>
    internal static Oid FromValidated(uint[] arcs) => new(arcs, false);

    /// <summary>This OID with more arcs appended (a table column plus an index, a scalar plus <c>.0</c>).</summary>
    public Oid Append(params ReadOnlySpan<uint> more)
    {
        if (Length + more.Length > MaxArcs)
        {
            throw new ArgumentException($"an OID has at most {MaxArcs} arcs", nameof(more));
        }

        var arcs = new uint[Length + more.Length];
        Arcs.CopyTo(arcs);
        more.CopyTo(arcs.AsSpan(Length));
        return new Oid(arcs);
    }

    /// <summary>True when this OID is <paramref name="root"/> itself or lies under it (the test a walk stops on).</summary>
    public bool StartsWith(Oid root) => Arcs.StartsWith(root.Arcs);

    /// <summary>True when this OID lies strictly under <paramref name="root"/>.</summary>
    public bool IsChildOf(Oid root) => Length > root.Length && StartsWith(root);

    /// <summary>The arcs after <paramref name="root"/> (a table row's index), or empty when this OID is not under it.</summary>
    public ReadOnlySpan<uint> IndexAfter(Oid root) => StartsWith(root) ? Arcs[root.Length..] : [];

    /// <summary>Lexicographic order, arc by arc; a prefix sorts first.</summary>
    public int CompareTo(Oid other) => Arcs.SequenceCompareTo(other.Arcs);

    /// <inheritdoc />
    public bool Equals(Oid other) => Arcs.SequenceEqual(other.Arcs);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Oid other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var arc in Arcs)
        {
            hash.Add(arc);
        }

        return hash.ToHashCode();
    }

    /// <summary>Dotted decimal without a leading dot, e.g. <c>1.3.6.1.2.1.1.1.0</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Length * 4);
        foreach (var arc in Arcs)
        {
            if (sb.Length > 0)
            {
                sb.Append('.');
            }

            sb.Append(arc.ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    public static bool operator ==(Oid left, Oid right) => left.Equals(right);

    public static bool operator !=(Oid left, Oid right) => !left.Equals(right);

    public static bool operator <(Oid left, Oid right) => left.CompareTo(right) < 0;

    public static bool operator <=(Oid left, Oid right) => left.CompareTo(right) <= 0;

    public static bool operator >(Oid left, Oid right) => left.CompareTo(right) > 0;

    public static bool operator >=(Oid left, Oid right) => left.CompareTo(right) >= 0;
}
