using PowerWatch.Core.Failover;

namespace PowerWatch.Core.Tests.Failover;

public sealed class FailoverPhaseUrgencyTests
{
    [Fact]
    public void Phases_rank_from_generator_unavailable_down_to_normal()
    {
        string[] mostUrgentFirst =
        [
            FailoverPhases.GeneratorUnavailable, FailoverPhases.UtilityLost, FailoverPhases.GeneratorStarting,
            FailoverPhases.GeneratorAvailable, FailoverPhases.OnGenerator, FailoverPhases.Normal,
        ];
        Assert.Equal(mostUrgentFirst, mostUrgentFirst.Reverse().OrderByDescending(FailoverPhases.Urgency));
    }

    [Fact]
    public void Unknown_phase_is_never_taken_for_normal()
    {
        Assert.True(FailoverPhases.Urgency("something-new") > FailoverPhases.Urgency(FailoverPhases.OnGenerator));
    }

    [Fact]
    public void Site_state_is_its_most_urgent_ups_phase()
    {
        string[] ups = [FailoverPhases.OnGenerator, FailoverPhases.GeneratorUnavailable, FailoverPhases.Normal];
        Assert.Equal(FailoverPhases.GeneratorUnavailable, ups.MaxBy(FailoverPhases.Urgency));
    }
}
