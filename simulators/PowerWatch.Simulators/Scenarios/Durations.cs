using System.Globalization;

namespace PowerWatch.Simulators.Scenarios;

/// <summary>Scenario durations: one or more number+unit parts (ms, s, m or min, h, d), e.g. <c>300s</c>, <c>1h30m</c>, <c>2.5s</c>; a bare number is seconds.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = TimeSpan.Zero;
        if (text.Length == 0)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (!(bare >= 0) || bare > TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(bare);
            return true;
        }

        var i = 0;
        double seconds = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double scale;
            switch (text[unitStart..i])
            {
                case "ms": scale = 0.001; break;
                case "s": scale = 1; break;
                case "m" or "min": scale = 60; break;
                case "h": scale = 3600; break;
                case "d": scale = 86400; break;
                default: return false;
            }

            seconds += n * scale;
        }

        if (!(seconds * TimeSpan.TicksPerSecond < long.MaxValue))
        {
            return false; // longer than TimeSpan can hold: not a duration, like any other unreadable text
        }

        value = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        return true;
    }

    /// <summary>Formats like <c>12.3s</c>, <c>5m</c>, <c>1h30m</c> (for timelines and reports).</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromMinutes(10))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s");
        }

        var h = (long)value.TotalHours;
        var rest = value - TimeSpan.FromHours(h);
        var text = h > 0 ? string.Create(CultureInfo.InvariantCulture, $"{h}h") : string.Empty;
        if (rest.Minutes > 0 || h == 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"{rest.Minutes}m");
        }

        var s = rest.TotalSeconds - (rest.Minutes * 60);
        if (s > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"{s:0.###}s");
        }

        return text;
    }
}
