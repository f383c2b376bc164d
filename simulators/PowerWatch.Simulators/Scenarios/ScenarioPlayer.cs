using PowerWatch.Simulators.Scenarios;

// Namespace kept from its old home (Faces/SiteControl.cs): the agent's demo command (agent Cli, owned elsewhere) imports it from there.
namespace PowerWatch.Simulators.Faces;

/// <summary>Plays a scenario's timed events against a live site (expectations are not evaluated; <c>powerwatch-sim run</c> does that).</summary>
public static class ScenarioPlayer
{
    /// <summary>
    /// Fires each action at its virtual time on the site's clock: the actions are scheduled on the site
    /// (<see cref="Site.Schedule"/>), so the physics applies each one at exactly its time whatever the speed. Returns when
    /// all fired or on cancellation.
    /// </summary>
    public static async Task PlayAsync(Site site, Scenario scenario, Action<string>? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(scenario);
        var bound = scenario.Actions.OrderBy(a => a.At).Select(a => (Action: a, Command: SiteCommands.Bind(site, a, scenario.Name))).ToList();
        if (bound.Count == 0)
        {
            return;
        }

        var left = bound.Count;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var (action, command) in bound)
        {
            site.Schedule(action.At, _ => command(), at =>
            {
                log?.Invoke($"{Durations.Format(at),12}  scenario   {action.Text}");
                if (Interlocked.Decrement(ref left) == 0)
                {
                    done.TrySetResult();
                }
            });
        }

        try
        {
            await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
