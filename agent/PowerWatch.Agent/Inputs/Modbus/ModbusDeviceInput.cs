using PowerWatch.Core;
using PowerWatch.Core.Decoding;
using PowerWatch.Core.Profiles;
using PowerWatch.Modbus;

namespace PowerWatch.Agent.Inputs.Modbus;

/// <summary>
/// A profile-driven Modbus device: the profile's registers are merged by the request planner into the fewest
/// reads (per table and poll class, planned once and cached), the blocks are read over the endpoint's shared
/// client, and the profile decoder turns them into readings. An exception reply for one block marks only that
/// block's readings bad; a timeout or lost connection fails the whole poll. Repeated registers limited by a count
/// (<c>limitBy</c>, e.g. outlets by <c>outlet.count</c>) are planned for every instance until the count has been
/// read once; from then on only the instances up to the last good count are read (re-planned when it changes).
/// </summary>
internal sealed class ModbusDeviceInput : IDeviceInput
{
    private readonly IModbusClient _client;
    private readonly byte _unitId;
    private readonly ProfileDecoder _decoder;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pauseBetweenRequests;
    private readonly DeviceProfile _profile;
    private readonly PlannerOptions _plannerOptions;
    private readonly HashSet<string> _limitMetrics;
    private readonly Dictionary<string, int> _limits = new(StringComparer.Ordinal);
    private IReadOnlyList<PlannedRead> _fastPlan;
    private IReadOnlyList<PlannedRead> _fullPlan;

    private readonly int _retries;

    /// <param name="retries">Retries of a read that timed out or came back garbled (the client itself is built without retries).</param>
    public ModbusDeviceInput(string device, IModbusClient client, byte unitId, DeviceProfile profile, PlannerOptions plannerOptions, TimeSpan pauseBetweenRequests, int retries, TimeProvider time)
    {
        _retries = retries;
        _client = client;
        _unitId = unitId;
        _time = time;
        _pauseBetweenRequests = pauseBetweenRequests;
        _decoder = new ProfileDecoder(profile, device);
        _profile = profile;
        _plannerOptions = plannerOptions;
        _limitMetrics = profile.Registers.Where(r => r.LimitBy is not null).Select(r => r.LimitBy!).ToHashSet(StringComparer.Ordinal);
        _fastPlan = PlanReads(profile.RegistersOf(PollClass.Fast).Where(Wanted), plannerOptions);
        _fullPlan = PlanReads(profile.Registers.Where(Wanted), plannerOptions);
    }

    /// <summary>The reads one poll performs (for diagnostics and tests).</summary>
    public IReadOnlyList<PlannedRead> Plan(bool includeSlow) => includeSlow ? _fullPlan : _fastPlan;

    public async Task<IReadOnlyList<Reading>> PollAsync(PollRequest request, CancellationToken cancellationToken)
    {
        var blocks = new RegisterBlockSet();
        var plan = Plan(request.IncludeSlow);
        var retries = request.Suspect ? 0 : _retries;
        for (var i = 0; i < plan.Count; i++)
        {
            if (i > 0 && _pauseBetweenRequests > TimeSpan.Zero)
            {
                await Task.Delay(_pauseBetweenRequests, _time, cancellationToken);
            }

            blocks.Add(await ReadWithRetriesAsync(plan[i], retries, cancellationToken));
        }

        var readings = _decoder.Decode(blocks, request.Timestamp, request.Sequence);
        RememberLimits(readings);
        return readings;
    }

    /// <summary>Keeps the last good value of every <c>limitBy</c> count and re-plans when one changes.</summary>
    private void RememberLimits(IReadOnlyList<Reading> readings)
    {
        if (_limitMetrics.Count == 0)
        {
            return;
        }

        var changed = false;
        foreach (var r in readings)
        {
            if (_limitMetrics.Contains(r.Metric) && r.Quality == Quality.Good && r.Value.TryGetNumber(out var n))
            {
                var limit = (int)Math.Clamp(Math.Floor(n), 0, int.MaxValue);
                if (!_limits.TryGetValue(r.Metric, out var old) || old != limit)
                {
                    _limits[r.Metric] = limit;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            _fastPlan = PlanReads(_profile.RegistersOf(PollClass.Fast).Where(Wanted), _plannerOptions);
            _fullPlan = PlanReads(_profile.Registers.Where(Wanted), _plannerOptions);
        }
    }

    /// <summary>False for a repeat instance above the last good value of its <c>limitBy</c> count.</summary>
    private bool Wanted(RegisterDefinition r) =>
        r.LimitBy is null || r.RepeatIndex is not { } index || !_limits.TryGetValue(r.LimitBy, out var limit) || index <= limit;

    private async Task<RegisterBlock> ReadWithRetriesAsync(PlannedRead read, int retries, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ReadAsync(read, cancellationToken);
            }
            catch (Exception ex) when (attempt < retries && ex is ModbusTimeoutException or ModbusProtocolException)
            {
                // Retry only what a retry can fix: silence or a garbled reply. Exception replies are answers.
            }
        }
    }

    private async Task<RegisterBlock> ReadAsync(PlannedRead read, CancellationToken cancellationToken)
    {
        var start = (ushort)read.Start;
        var count = (ushort)read.Count;
        try
        {
            return read.Table switch
            {
                RegisterTable.HoldingRegister => RegisterBlock.FromRegisters(read.Table, read.Start, await _client.ReadHoldingRegistersAsync(_unitId, start, count, cancellationToken)),
                RegisterTable.InputRegister => RegisterBlock.FromRegisters(read.Table, read.Start, await _client.ReadInputRegistersAsync(_unitId, start, count, cancellationToken)),
                RegisterTable.Coil => RegisterBlock.FromBits(read.Table, read.Start, await _client.ReadCoilsAsync(_unitId, start, count, cancellationToken)),
                _ => RegisterBlock.FromBits(read.Table, read.Start, await _client.ReadDiscreteInputsAsync(_unitId, start, count, cancellationToken)),
            };
        }
        catch (ModbusException)
        {
            // The device answered, but refused this block (e.g. 02 illegal address): those readings are bad.
            return RegisterBlock.Failed(read.Table, read.Start, read.Count);
        }
    }

    private static List<PlannedRead> PlanReads(IEnumerable<RegisterDefinition> registers, PlannerOptions options)
    {
        var reads = new List<PlannedRead>();
        foreach (var group in registers.GroupBy(r => r.Table).OrderBy(g => g.Key))
        {
            var bits = group.Key is RegisterTable.Coil or RegisterTable.DiscreteInput;
            var tableOptions = bits ? options with { MaxRegistersPerRequest = ModbusLimits.MaxReadBits } : options;
            var wanted = group.Select(r => new ModbusRange((ushort)r.Address, r.Count));
            reads.AddRange(ModbusRequestPlanner.Plan(wanted, tableOptions).Select(range => new PlannedRead(group.Key, range.Start, range.Count)));
        }

        return reads;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask; // the client belongs to the endpoint
}

/// <summary>One planned read: table, first address, count.</summary>
internal readonly record struct PlannedRead(RegisterTable Table, int Start, int Count);
