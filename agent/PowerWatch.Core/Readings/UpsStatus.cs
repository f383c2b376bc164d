using System.Collections.Immutable;

namespace PowerWatch.Core;

/// <summary>
/// An immutable set of NUT-style status tokens such as <c>"OL CHRG"</c>. Unknown tokens are tolerated and
/// preserved. Formatting puts known tokens first in <see cref="UpsStatusTokens.Known"/> order, then unknown
/// tokens in the order they were first seen.
/// </summary>
public sealed class UpsStatus : IEquatable<UpsStatus>
{
    private readonly ImmutableArray<string> _tokens;

    private UpsStatus(ImmutableArray<string> tokens) => _tokens = tokens;

    /// <summary>The empty set.</summary>
    public static UpsStatus Empty { get; } = new([]);

    /// <summary>Tokens in canonical order.</summary>
    public ImmutableArray<string> Tokens => _tokens;

    public int Count => _tokens.Length;

    public bool IsEmpty => _tokens.IsEmpty;

    /// <summary>Tokens not in <see cref="UpsStatusTokens.Known"/>.</summary>
    public IEnumerable<string> UnknownTokens => _tokens.Where(t => !UpsStatusTokens.IsKnown(t));

    /// <summary>
    /// Parses space-separated tokens (any run of whitespace separates). Null or blank gives the empty set;
    /// duplicates collapse; tokens are kept case-sensitive as NUT sends them.
    /// </summary>
    public static UpsStatus Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Empty;
        }

        return From(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Builds a set from tokens; blank tokens are ignored and tokens must not contain whitespace.</summary>
    public static UpsStatus From(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = new List<string>();
        foreach (var token in tokens)
        {
            if (string.IsNullOrWhiteSpace(token))
            {
                continue;
            }

            if (token.Any(char.IsWhiteSpace))
            {
                throw new ArgumentException($"Status token '{token}' contains whitespace.", nameof(tokens));
            }

            if (!list.Contains(token, StringComparer.Ordinal))
            {
                list.Add(token);
            }
        }

        if (list.Count == 0)
        {
            return Empty;
        }

        // Stable sort: known tokens by canonical order, unknown ones keep first-seen order at the end.
        var ordered = list
            .Select((t, i) => (Token: t, Index: i))
            .OrderBy(x => UpsStatusTokens.OrderOf(x.Token))
            .ThenBy(x => x.Index)
            .Select(x => x.Token)
            .ToImmutableArray();
        return new UpsStatus(ordered);
    }

    public bool Contains(string token) => _tokens.Contains(token, StringComparer.Ordinal);

    public UpsStatus With(string token) => Contains(token) ? this : From(_tokens.Append(token));

    public UpsStatus Without(string token) =>
        Contains(token) ? From(_tokens.Where(t => !string.Equals(t, token, StringComparison.Ordinal))) : this;

    /// <summary>Space-separated tokens, e.g. <c>"OL CHRG"</c>; empty string for the empty set.</summary>
    public string Format() => string.Join(' ', _tokens);

    public override string ToString() => Format();

    public bool Equals(UpsStatus? other) =>
        other is not null && _tokens.SequenceEqual(other._tokens, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as UpsStatus);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var t in _tokens)
        {
            hash.Add(t, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
