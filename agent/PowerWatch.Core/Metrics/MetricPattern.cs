namespace PowerWatch.Core;

/// <summary>Matches concrete metric names against catalogue patterns (<c>{n}</c>, <c>{name}</c>).</summary>
internal static class MetricPattern
{
    public const string Number = "{n}";
    public const string Name = "{name}";

    /// <summary>True when <paramref name="metric"/> is an instance of <paramref name="pattern"/>, segment by segment.</summary>
    public static bool Matches(string pattern, string metric)
    {
        var p = pattern.AsSpan();
        var m = metric.AsSpan();
        while (true)
        {
            var pi = p.IndexOf('.');
            var mi = m.IndexOf('.');
            var ps = pi < 0 ? p : p[..pi];
            var ms = mi < 0 ? m : m[..mi];
            if (!SegmentMatches(ps, ms))
            {
                return false;
            }

            if (pi < 0 || mi < 0)
            {
                return pi < 0 && mi < 0;
            }

            p = p[(pi + 1)..];
            m = m[(mi + 1)..];
        }
    }

    /// <summary>Substitutes <c>{n}</c> in a pattern.</summary>
    public static string Substitute(string pattern, int n) =>
        pattern.Replace(Number, n.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Substitutes <c>{name}</c> in a pattern.</summary>
    public static string Substitute(string pattern, string name) =>
        pattern.Replace(Name, name, StringComparison.Ordinal);

    /// <summary>True for a lower-case identifier usable as a name segment: [a-z0-9-]+, not starting with '-'.</summary>
    public static bool IsIdentifier(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s[0] == '-')
        {
            return false;
        }

        foreach (var c in s)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SegmentMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> segment)
    {
        if (pattern.SequenceEqual(Number))
        {
            if (segment.IsEmpty || segment.Length > 4 || segment[0] == '0')
            {
                return false;
            }

            foreach (var c in segment)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
            }

            return true;
        }

        if (pattern.SequenceEqual(Name))
        {
            return IsIdentifier(segment);
        }

        return pattern.SequenceEqual(segment);
    }
}
