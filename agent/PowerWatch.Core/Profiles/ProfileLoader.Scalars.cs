using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;

namespace PowerWatch.Core.Profiles;

public static partial class ProfileLoader
{
    /// <summary>Scalar fields: required strings, enum names, durations, integers (decimal or hex) and scales.</summary>
    private sealed partial class Builder
    {
        private string? Required(string? value, string path)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Problem(path, "missing field");
                return null;
            }

            return value;
        }

        private T? ParseEnum<T>(string? text, string path, FrozenDictionary<string, T> names, bool required)
            where T : struct
        {
            if (text is null)
            {
                if (required)
                {
                    Problem(path, "missing field");
                }

                return null;
            }

            if (names.TryGetValue(text, out var value))
            {
                return value;
            }

            Problem(path, $"unknown value '{text}' (expected one of: {string.Join(", ", names.Keys.Order(StringComparer.Ordinal))})");
            return null;
        }

        private TimeSpan? ParseDuration(string? text, string path)
        {
            if (text is null)
            {
                return null;
            }

            if (!TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value) || value < TimeSpan.Zero)
            {
                Problem(path, $"'{text}' is not a non-negative duration (format hh:mm:ss.fff)");
                return null;
            }

            return value;
        }

        private long? ParseInteger(JsonElement? element, string path)
        {
            if (element is not { } e || e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                Problem(path, "missing field");
                return null;
            }

            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n))
            {
                return n;
            }

            if (e.ValueKind == JsonValueKind.String && TryParseInteger(e.GetString()!, out var s))
            {
                return s;
            }

            Problem(path, $"'{e.GetRawText()}' is not an integer (decimal, or hex string \"0x…\")");
            return null;
        }

        internal static bool TryParseInteger(string text, out long value)
        {
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                {
                    value = unchecked((long)hex);
                    return true;
                }

                value = 0;
                return false;
            }

            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        private double? ParseScale(JsonElement? element, string path)
        {
            if (element is not { } e || e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                return null;
            }

            double value;
            if (e.ValueKind == JsonValueKind.Number)
            {
                value = e.GetDouble();
            }
            else if (e.ValueKind == JsonValueKind.String && TryParseScale(e.GetString()!, out var s))
            {
                value = s;
            }
            else
            {
                Problem(path, $"'{e.GetRawText()}' is not a scale (a number, or a string \"1/512\" or \"0.1\")");
                return null;
            }

            if (!double.IsFinite(value) || value == 0)
            {
                Problem(path, $"scale {e.GetRawText()} must be finite and non-zero");
                return null;
            }

            return value;
        }

        private static bool TryParseScale(string text, out double value)
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            }

            if (double.TryParse(text.AsSpan(0, slash), NumberStyles.Float, CultureInfo.InvariantCulture, out var num) &&
                double.TryParse(text.AsSpan(slash + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var den) &&
                den != 0)
            {
                value = num / den;
                return true;
            }

            value = 0;
            return false;
        }
    }
}
