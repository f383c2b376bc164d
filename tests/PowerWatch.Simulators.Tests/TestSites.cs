using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

/// <summary>Site descriptions and stepping helpers shared by the tests.</summary>
internal static class TestSites
{
    public static readonly TimeSpan Step = Site.DefaultStep;

    /// <summary>
    /// The demo site with noiseless PDUs, so loads are exact, and the DSE factory timer set (the model tests check the
    /// DSE5110 / SPEC-DEVICES §8 timers to the step; the defaults are the NFPA 110 Type 10 set).
    /// </summary>
    public static SiteDescription Quiet(UpsOptions? ups = null, GeneratorOptions? generator = null, AtsOptions? ats = null)
    {
        var site = new SiteDescription
        {
            Ups = ups ?? new UpsOptions(),
            Generator = generator ?? new GeneratorOptions(),
            Ats = ats ?? new AtsOptions(),
            Pdus = [new PduOptions { Name = "pdu1", Noise = 0 }, new PduOptions { Name = "pdu2", Noise = 0 }],
        };
        SiteTimerSets.Apply(site, SiteTimers.DseFactory);
        return site;
    }

    /// <summary>The demo site (with its noise) on the DSE factory timer set.</summary>
    public static SiteDescription DseFactory()
    {
        var site = new SiteDescription();
        SiteTimerSets.Apply(site, SiteTimers.DseFactory);
        return site;
    }

    /// <summary>Steps until <paramref name="condition"/> holds; returns the elapsed time, or null if <paramref name="limit"/> passes first.</summary>
    public static TimeSpan? StepUntil(Site site, Func<Site, bool> condition, TimeSpan limit, TimeSpan? step = null)
    {
        while (site.Elapsed <= limit)
        {
            if (site.Read(condition))
            {
                return site.Elapsed;
            }

            site.Step(step ?? Step);
        }

        return null;
    }

    public static double Seconds(TimeSpan? t) => t?.TotalSeconds ?? double.NaN;
}
