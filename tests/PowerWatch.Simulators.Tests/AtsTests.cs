using PowerWatch.Simulators;

namespace PowerWatch.Simulators.Tests;

public sealed class AtsTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void Normal_state_is_source_1_available_and_connected()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.Equal(AtsPosition.Source1, site.Ats.Position);
        Assert.Equal(AtsStatusBits.Source1Available | AtsStatusBits.ConnectedToSource1, site.Ats.StatusBits);
        Assert.False(site.Ats.EngineStartContactClosed);
    }

    [Fact]
    public void Outage_closes_the_start_contact_after_3_s_and_transfers_5_s_after_the_generator_is_available()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();

        var contact = TestSites.StepUntil(site, s => s.Ats.EngineStartContactClosed, S(60));
        var available = TestSites.StepUntil(site, s => s.Generator.Available, S(60));
        var transferStart = TestSites.StepUntil(site, s => s.Ats.TransferInProgress, S(60));
        Assert.Equal(AtsPosition.Neutral, site.Ats.Position);
        var onSource2 = TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source2, S(60));

        Assert.Equal(S(3), contact);
        Assert.Equal(S(3 + 5 + 2 + 8), available);
        Assert.Equal(available + S(5), transferStart);
        Assert.Equal(transferStart + S(0.1), onSource2);
        Assert.Equal(1, site.Ats.TransferCount);
        Assert.Equal(TimeSpan.FromMilliseconds(100), site.Ats.LastTransferDuration);
        Assert.Equal(site.Clock.Start + onSource2, site.Ats.LastTransferTime);
        Assert.Equal(
            AtsStatusBits.Source2Available | AtsStatusBits.ConnectedToSource2 | AtsStatusBits.EngineStartContactClosed,
            site.Ats.StatusBits);
    }

    [Fact]
    public void Outage_shorter_than_the_engine_start_delay_does_not_start_the_generator()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        site.RunFor(S(2.9), TestSites.Step);
        Assert.Equal(0.1, site.Ats.EngineStartDelayRemaining!.Value.TotalSeconds, 6);

        site.Utility.Restore();
        site.RunFor(S(60), TestSites.Step);

        Assert.False(site.Ats.EngineStartContactClosed);
        Assert.Equal(GeneratorState.Stopped, site.Generator.State);
        Assert.Equal(0, site.Ats.TransferCount);
    }

    [Fact]
    public void Retransfer_waits_300_s_of_good_utility_then_the_generator_cools_down_60_s()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source2, S(60));
        site.RunFor(S(60), TestSites.Step);
        var restored = site.Elapsed;
        site.Utility.Restore();

        var retransferStart = TestSites.StepUntil(site, s => s.Ats.Position != AtsPosition.Source2, S(1000));
        Assert.True(site.Ats.TransferInProgress);
        var onSource1 = TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source1, S(1000));
        Assert.True(site.Ats.CoolDownRemaining is null || site.Ats.CoolDownRemaining == S(60));
        site.Step(TestSites.Step);
        Assert.Equal(S(59.9), site.Ats.CoolDownRemaining);
        var contactOpen = TestSites.StepUntil(site, s => !s.Ats.EngineStartContactClosed, S(2000));
        var stopped = TestSites.StepUntil(site, s => s.Generator.State == GeneratorState.Stopped, S(2000));

        Assert.Equal(restored + S(300), retransferStart);
        Assert.Equal(retransferStart + S(0.1), onSource1);
        Assert.Equal(onSource1 + S(60), contactOpen);
        Assert.Equal(contactOpen + S(60), stopped);
        Assert.Equal(2, site.Ats.TransferCount);
    }

    [Fact]
    public void Utility_loss_during_the_retransfer_delay_restarts_it()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source2, S(60));
        site.Utility.Restore();
        site.RunFor(S(200), TestSites.Step);
        Assert.True((site.Ats.StatusBits & AtsStatusBits.RetransferTimerRunning) != 0);

        site.Utility.Fail();
        site.Step(TestSites.Step);
        Assert.Null(site.Ats.RetransferDelayRemaining);
        site.Utility.Restore();
        var restored = site.Elapsed;
        var retransfer = TestSites.StepUntil(site, s => s.Ats.Position != AtsPosition.Source2, S(2000));

        Assert.Equal(restored + S(300), retransfer);
    }

    [Fact]
    public void Fail_to_transfer_fault_sets_the_fault_bit_and_leaves_the_load_on_source_1()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Ats.SetFault(AtsFault.FailToTransfer);
        site.Utility.Fail();

        var fault = TestSites.StepUntil(site, s => s.Ats.FaultActive, S(120));
        site.RunFor(S(60), TestSites.Step);

        Assert.Equal(S(3 + 5 + 2 + 8 + 5), fault);
        Assert.Equal(AtsPosition.Source1, site.Ats.Position);
        Assert.True((site.Ats.StatusBits & AtsStatusBits.Fault) != 0);
        Assert.Equal(GeneratorState.Available, site.Generator.State);
        Assert.Equal(0, site.Ats.TransferCount);
    }

    [Fact]
    public void Test_transfer_command_moves_the_load_to_the_generator_and_command_2_brings_it_back()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.True(site.Ats.Command(1));
        site.Step(TestSites.Step);
        Assert.True(site.Ats.EngineStartContactClosed);
        Assert.True((site.Ats.StatusBits & AtsStatusBits.TestInProgress) != 0);
        TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source2, S(60));
        site.RunFor(S(30), TestSites.Step);
        Assert.Equal(AtsPosition.Source2, site.Ats.Position);

        Assert.True(site.Ats.Command(2));
        var back = site.Elapsed;
        var onSource1 = TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source1, S(60));

        Assert.Equal(back + S(0.2), onSource1);
        Assert.False(site.Ats.TestInProgress);
    }

    [Fact]
    public void Bypass_command_skips_the_running_retransfer_delay()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Utility.Fail();
        TestSites.StepUntil(site, s => s.Ats.Position == AtsPosition.Source2, S(60));
        site.Utility.Restore();
        site.RunFor(S(10), TestSites.Step);

        Assert.True(site.Ats.Command(3));
        var at = site.Elapsed;
        var retransfer = TestSites.StepUntil(site, s => s.Ats.Position != AtsPosition.Source2, S(60));

        Assert.Equal(at + S(0.1), retransfer);
    }

    [Fact]
    public void Unknown_command_key_is_rejected()
    {
        var site = Site.Create(TestSites.Quiet());

        Assert.False(site.Ats.Command(4));
        Assert.False(site.Ats.Command(0));
    }

    [Fact]
    public void Not_in_automatic_takes_no_action_on_an_outage()
    {
        var site = Site.Create(TestSites.Quiet());
        site.Ats.SetAutomatic(false);
        site.Utility.Fail();

        site.RunFor(S(60), TestSites.Step);

        Assert.False(site.Ats.EngineStartContactClosed);
        Assert.True((site.Ats.StatusBits & AtsStatusBits.NotInAutomatic) != 0);
    }
}
