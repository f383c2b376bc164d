using PowerWatch.Core;

namespace PowerWatch.Agent.Inputs;

/// <summary>
/// One device behind an input protocol. A poll pass returns promptly with readings, or throws when the device
/// could not be read at all (timeout, connection lost, garbled replies); the poller turns that into stale data
/// and <c>device.available</c> = false. A device answering an error for part of its map is not a failed poll:
/// those readings come back with bad quality.
/// </summary>
internal interface IDeviceInput : IAsyncDisposable
{
    /// <summary>Reads the device once.</summary>
    Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// One poll: whether slow-class (nameplate) data is due, the timestamp and sequence number every reading of the
/// poll carries, and whether the device is suspect (its last poll failed) — a suspect device gets no retries,
/// so a dead device on a shared bus costs one timeout per attempt, not several.
/// </summary>
internal readonly record struct PollRequest(bool IncludeSlow, DateTimeOffset Timestamp, long Sequence, bool Suspect);

/// <summary>
/// An input whose device can tell us between polls that something changed (an APC Smart-UPS sends <c>!</c> the
/// moment the utility fails). The poller then reads that device at once instead of at its next slot; the
/// regular schedule is kept, and out-of-schedule polls of one device are at least
/// <see cref="Polling.EndpointPoller.RequestedPollSpacing"/> apart, so a chattering device cannot flood its bus.
/// </summary>
internal interface IPollRequestingInput
{
    /// <summary>Raised (on any thread; handlers must not block) with a short reason.</summary>
    event Action<string>? PollRequested;
}
