// One source file linked (as an internal type) into each project that backs off, because the protocol projects
// (PowerWatch.Mqtt, PowerWatch.Influx) reference nothing of ours and so share no lower project to hold it.
namespace PowerWatch.Shared;

/// <summary>How the random part of a back-off delay is applied to the nominal delay d.</summary>
internal enum BackoffJitter
{
    /// <summary>Uniform in [d·(1−j), d·(1+j)], then capped at the maximum.</summary>
    Symmetric,

    /// <summary>Uniform in [d·(1−j), d]: jitter only ever shortens a delay.</summary>
    ShortenOnly,
}

/// <summary>
/// Exponential back-off with jitter: the nominal delay before retry <c>attempt</c> (0-based) is
/// <c>initial · 2^attempt</c>, capped at <c>max</c>; the delay returned is that with random jitter, never above
/// <c>max</c> and never below <c>minimum</c>. Safe to use from many threads at once: without a random source it
/// draws from <see cref="Random.Shared"/>; a supplied <see cref="Random"/> (seeded, for tests) is used under a lock,
/// since <see cref="Random"/> itself is not thread-safe.
/// </summary>
internal sealed class Backoff
{
    private readonly Random? _random;

    /// <param name="initial">Nominal delay before the first retry.</param>
    /// <param name="max">Ceiling of every delay, nominal or jittered.</param>
    /// <param name="jitter">Fraction of the nominal delay drawn at random, in [0, 1].</param>
    /// <param name="shape">Whether jitter may lengthen a delay or only shorten it.</param>
    /// <param name="random">Source of jitter; <see cref="Random.Shared"/> when null.</param>
    /// <param name="minimum">Floor of every delay (default zero).</param>
    public Backoff(TimeSpan initial, TimeSpan max, double jitter, BackoffJitter shape = BackoffJitter.Symmetric, Random? random = null, TimeSpan minimum = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        if (jitter is < 0 or > 1 || double.IsNaN(jitter))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "must be in [0, 1]");
        }

        Initial = initial;
        Max = max;
        Jitter = jitter;
        Shape = shape;
        Minimum = minimum;
        _random = random;
    }

    public TimeSpan Initial { get; }

    public TimeSpan Max { get; }

    public double Jitter { get; }

    public BackoffJitter Shape { get; }

    public TimeSpan Minimum { get; }

    /// <summary>The delay before retry <paramref name="attempt"/> (0-based) before jitter: initial · 2^attempt, capped.</summary>
    public TimeSpan Nominal(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        var ticks = Math.Min(Initial.Ticks * Math.Pow(2, Math.Min(attempt, 30)), Max.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay before retry <paramref name="attempt"/> (0-based), with jitter.</summary>
    public TimeSpan Delay(int attempt) => Spread(Nominal(attempt));

    /// <summary><paramref name="nominal"/> with this back-off's jitter, floor and ceiling applied.</summary>
    public TimeSpan Spread(TimeSpan nominal)
    {
        var u = NextUnit();
        var factor = Shape == BackoffJitter.Symmetric ? 1 + (Jitter * ((u * 2) - 1)) : 1 - (Jitter * u);
        var ticks = Math.Clamp(nominal.Ticks * factor, Minimum.Ticks, Max.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }

#pragma warning disable CA5394 // Jitter is not security-sensitive.
    private double NextUnit()
    {
        if (_random is null)
        {
            return Random.Shared.NextDouble();
        }

        lock (_random)
        {
            return _random.NextDouble();
        }
    }
#pragma warning restore CA5394
}
