namespace PowerWatch.Agent.Polling;

/// <summary>
/// The time device I/O is measured in, apart from the agent's clock (the <see cref="TimeProvider"/> service, on which
/// polls are scheduled, readings stamped, and alerts debounced, projected and timed). In a real deployment both are the
/// same clock (the default). In the demo the agent runs on the simulated site's clock, which may run 1000× faster than
/// real time; there a Modbus request's timeout, the pause between requests and a connect delay stay in real time
/// (<see cref="Transport"/> = the wall clock) — a 1 s timeout on a 1000× clock would be 1 ms of real time and every
/// loopback exchange would race it — and each poll holds the site's clock (<see cref="HoldDuringPoll"/>), so an exchange
/// takes no site time: the readings carry the instant the poll started and the site is read at that instant. The
/// <see cref="Pipeline.ReadingHub"/> takes the same hold for each result until the alert engine has evaluated it, so a
/// slow evaluation (the first one, JIT-compiled, takes tens of milliseconds: tens of site seconds at 1000×) does not
/// let the site run on unobserved.
/// </summary>
internal sealed class DeviceIoTime
{
    /// <param name="transport">Clock of I/O timeouts, pauses between requests and connect delays.</param>
    /// <param name="holdDuringPoll">Optional: called when a poll starts (and for the alert engine's evaluation of its result); the handle is disposed when it ends.</param>
    public DeviceIoTime(TimeProvider transport, Func<IDisposable>? holdDuringPoll = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Transport = transport;
        HoldDuringPoll = holdDuringPoll;
    }

    /// <summary>Clock of I/O timeouts, pauses between requests and connect delays.</summary>
    public TimeProvider Transport { get; }

    /// <summary>Called when a poll starts (null: nothing); the returned handle is disposed when the poll ends.</summary>
    public Func<IDisposable>? HoldDuringPoll { get; }
}
