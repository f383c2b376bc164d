namespace PowerWatch.Core;

/// <summary>How far a reading can be trusted. Wire names: <c>good</c>, <c>stale</c>, <c>bad</c>.</summary>
public enum Quality
{
    /// <summary>Freshly read from the device.</summary>
    Good = 0,

    /// <summary>No fresh value within three poll periods; never presented as current.</summary>
    Stale = 1,

    /// <summary>The device answered with an error, or reported the value as faulty or out of range.</summary>
    Bad = 2,
}

/// <summary>Stable wire names of <see cref="Quality"/>.</summary>
public static class QualityNames
{
    public const string Good = "good";
    public const string Stale = "stale";
    public const string Bad = "bad";

    /// <summary>The wire name of a quality value.</summary>
    public static string ToWireName(this Quality quality) => quality switch
    {
        Quality.Good => Good,
        Quality.Stale => Stale,
        Quality.Bad => Bad,
        _ => throw new ArgumentOutOfRangeException(nameof(quality), quality, "Unknown quality."),
    };

    /// <summary>Parses a wire name (exact, lower case).</summary>
    public static bool TryParse(string? text, out Quality quality)
    {
        switch (text)
        {
            case Good: quality = Quality.Good; return true;
            case Stale: quality = Quality.Stale; return true;
            case Bad: quality = Quality.Bad; return true;
            default: quality = default; return false;
        }
    }
}
