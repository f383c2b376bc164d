using System.Text;

namespace PowerWatch.Mqtt;

/// <summary>Topic name and topic filter rules (MQTT 5.0 §4.7, MQTT 3.1.1 §4.7).</summary>
public static class MqttTopic
{
    /// <summary>Null when the topic name is valid, else why not: non-empty, no wildcards, no U+0000, at most 65,535 UTF-8 bytes.</summary>
    public static string? ValidateTopicName(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            return "topic name is empty";
        }

        if (topic.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            return $"topic name '{topic}' contains a wildcard";
        }

        return ValidateCommon(topic);
    }

    /// <summary>Null when the topic filter is valid, else why not: '#' only as the whole last level, '+' only as a whole level.</summary>
    public static string? ValidateTopicFilter(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Length == 0)
        {
            return "topic filter is empty";
        }

        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                return $"topic filter '{filter}': '#' must be the whole last level";
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                return $"topic filter '{filter}': '+' must occupy a whole level";
            }
        }

        return ValidateCommon(filter);
    }

    /// <summary>True when a topic name matches a topic filter (MQTT 5.0 §4.7.1; '$' topics are not matched by leading wildcards).</summary>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#')))
        {
            return false;
        }

        var f = filter.Split('/');
        var t = topic.Split('/');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true;
            }

            if (i >= t.Length)
            {
                return false;
            }

            if (f[i] != "+" && f[i] != t[i])
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }

    private static string? ValidateCommon(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            return "topic contains U+0000";
        }

        int bytes;
        try
        {
            bytes = Packets.MqttWire.StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            return "topic is not valid UTF-16 (lone surrogate)";
        }

        return bytes > ushort.MaxValue ? "topic is longer than 65,535 UTF-8 bytes" : null;
    }
}
