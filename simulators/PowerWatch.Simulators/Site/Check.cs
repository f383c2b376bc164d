using System.Globalization;

namespace PowerWatch.Simulators;

/// <summary>Option validation helpers; messages name the configuration key.</summary>
internal static class Check
{
    public static void Positive(double value, string key)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            throw new SiteConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{key} must be a positive number (was {value})"));
        }
    }

    public static void NonNegative(double value, string key)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new SiteConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{key} must be zero or positive (was {value})"));
        }
    }

    public static void Range(double value, double min, double max, string key)
    {
        if (!(value >= min && value <= max))
        {
            throw new SiteConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{key} must be between {min} and {max} (was {value})"));
        }
    }

    public static void NonNegative(TimeSpan value, string key)
    {
        if (value < TimeSpan.Zero)
        {
            throw new SiteConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{key} must not be negative (was {value})"));
        }
    }

    public static void Positive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new SiteConfigurationException(string.Create(CultureInfo.InvariantCulture, $"{key} must be positive (was {value})"));
        }
    }
}

/// <summary>A site description or option value is invalid; the message names the key.</summary>
public sealed class SiteConfigurationException : Exception
{
    public SiteConfigurationException()
    {
    }

    public SiteConfigurationException(string message)
        : base(message)
    {
    }

    public SiteConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
