using System.Globalization;
using System.Text;
using PowerWatch.Core.Profiles;

namespace PowerWatch.Core.Decoding;

/// <summary>
/// Turns one poll's register data into readings, for one device and one profile. Holds the last value of the few
/// metrics later passes need (inputs of derived metrics, repeat limits, generator-state inputs), so use one
/// instance per device; not thread-safe. Pure otherwise: no I/O, no clock (the caller passes the timestamp).
/// </summary>
public sealed class ProfileDecoder
{
    private const string GeneratorLoadPercent = "generator.power.percent";

    private readonly DeviceProfile _profile;
    private readonly string _device;
    private readonly HashSet<string> _remembered;
    private readonly Dictionary<string, double> _last = new(StringComparer.Ordinal);

    public ProfileDecoder(DeviceProfile profile, string device)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        _profile = profile;
        _device = device;
        _remembered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in profile.Derived)
        {
            _remembered.UnionWith(d.Product);
        }

        foreach (var r in profile.Registers)
        {
            if (r.LimitBy is not null)
            {
                _remembered.Add(r.LimitBy);
            }
        }

        _remembered.Add(GeneratorLoadPercent);
        _remembered.Add(MetricNames.GeneratorPower);
        _remembered.Add(MetricNames.GeneratorAlarmsShutdown);
    }

    public DeviceProfile Profile => _profile;

    public string Device => _device;

    /// <summary>Decodes every register of the profile present in <paramref name="source"/>.</summary>
    public IReadOnlyList<Reading> Decode(IRegisterSource source, DateTimeOffset timestamp, long sequence)
    {
        var list = new List<Reading>();
        Decode(source, timestamp, sequence, list);
        return list;
    }

    /// <summary>Decodes into <paramref name="output"/> (appends).</summary>
    public void Decode(IRegisterSource source, DateTimeOffset timestamp, long sequence, ICollection<Reading> output)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        var pass = new Pass(this, timestamp, sequence, output);

        // Non-repeated registers first, so that repeat limits (e.g. outlet.count) are known.
        foreach (var r in _profile.Registers)
        {
            if (r.RepeatIndex is null)
            {
                pass.DecodeRegister(r, source);
            }
        }

        foreach (var r in _profile.Registers)
        {
            if (r.RepeatIndex is { } index)
            {
                if (r.LimitBy is not null && _last.TryGetValue(r.LimitBy, out var limit) && index > limit)
                {
                    continue;
                }

                pass.DecodeRegister(r, source);
            }
        }

        pass.Finish();
    }

    private sealed class Pass(ProfileDecoder owner, DateTimeOffset timestamp, long sequence, ICollection<Reading> output)
    {
        private readonly HashSet<string> _fresh = new(StringComparer.Ordinal);
        private List<string>? _statusTokens;
        private bool _statusBad;
        private Dictionary<string, List<string>?>? _wordSets;
        private string? _engineState;

        public void DecodeRegister(RegisterDefinition r, IRegisterSource source)
        {
            if (r.Table is RegisterTable.Coil or RegisterTable.DiscreteInput)
            {
                var lookupBits = source.TryGetBits(r.Table, r.Address, r.Count, out var bits);
                if (lookupBits == RegisterLookup.Present)
                {
                    EmitBool(r, bits[0]);
                }
                else if (lookupBits == RegisterLookup.Failed)
                {
                    EmitBad(r);
                }

                return;
            }

            var lookup = source.TryGetRegisters(r.Table, r.Address, r.Count, out var regs);
            if (lookup == RegisterLookup.Missing)
            {
                return;
            }

            if (lookup == RegisterLookup.Failed)
            {
                EmitBad(r);
                return;
            }

            switch (r.Type)
            {
                case RegisterType.String:
                    Emit(r.Metric!, ReadingValue.FromText(RegisterStrings.Decode(regs)), r.Unit, Quality.Good);
                    break;
                case RegisterType.Bool:
                    EmitBool(r, ((RegisterWords.ReadUInt16(regs, r.WordOrder) >> r.Bit!.Value) & 1) != 0);
                    break;
                case RegisterType.Bitfield:
                    DecodeBitfield(r, RegisterWords.ReadRaw(regs, r.WordOrder));
                    break;
                case RegisterType.PackedAlarms:
                    DecodeAlarms(r, regs);
                    break;
                case RegisterType.Float32:
                    EmitNumber(r, RegisterWords.ReadFloat32(regs, r.WordOrder));
                    break;
                case RegisterType.Float64:
                    EmitNumber(r, RegisterWords.ReadFloat64(regs, r.WordOrder));
                    break;
                default:
                    DecodeInteger(r, regs);
                    break;
            }
        }

        private void DecodeInteger(RegisterDefinition r, ReadOnlySpan<ushort> regs)
        {
            var raw = RegisterWords.ReadRaw(regs, r.WordOrder);
            var mask = r.Count == 4 ? ulong.MaxValue : (1UL << (16 * r.Count)) - 1;
            foreach (var s in r.Sentinels)
            {
                if ((s.Raw & mask) == raw)
                {
                    if (s.Result == SentinelResult.Bad)
                    {
                        Emit(r.Metric!, ReadingValue.None, r.Unit, Quality.Bad);
                    }

                    return;
                }
            }

            long? signed = r.Type switch
            {
                RegisterType.Int16 => unchecked((short)raw),
                RegisterType.Int32 => unchecked((int)raw),
                RegisterType.Int64 => unchecked((long)raw),
                RegisterType.UInt64 when raw > long.MaxValue => null,
                _ => (long)raw,
            };

            if (r.Enum is not null)
            {
                var key = signed ?? -1;
                var text = signed is not null && r.Enum.TryGetValue(key, out var name) ? name : Invariant(signed, raw);
                Emit(r.Metric!, ReadingValue.FromText(text), r.Unit, Quality.Good);
                return;
            }

            if (r.Format == ValueFormat.DaysSince2000)
            {
                var date = new DateOnly(2000, 1, 1).AddDays((int)Math.Clamp(signed ?? 0, -730_000, 2_900_000));
                Emit(r.Metric!, ReadingValue.FromText(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), r.Unit, Quality.Good);
                return;
            }

            if (MetricCatalog.TryFind(r.Metric!, out var def) && def.Kind == MetricKind.Text)
            {
                Emit(r.Metric!, ReadingValue.FromText(Invariant(signed, raw)), r.Unit, Quality.Good);
                return;
            }

            EmitNumber(r, signed is { } v ? v : (double)raw);
        }

        private static string Invariant(long? signed, ulong raw) =>
            signed is { } v ? v.ToString(CultureInfo.InvariantCulture) : raw.ToString(CultureInfo.InvariantCulture);

        private void DecodeBitfield(RegisterDefinition r, ulong raw)
        {
            if (r.Metric is not null)
            {
                Emit(r.Metric, ReadingValue.FromNumber(raw), r.Unit, Quality.Good);
            }

            foreach (var bit in r.Bits)
            {
                var set = ((raw >> bit.Bit) & 1) != 0;
                if (bit.Status is not null)
                {
                    _statusTokens ??= [];
                    if (set)
                    {
                        _statusTokens.Add(bit.Status);
                    }
                }

                if (bit.Token is not null)
                {
                    var words = WordSet(bit.Metric!);
                    if (words is not null && set)
                    {
                        words.Add(bit.Token);
                    }
                }
                else if (bit.Metric is not null)
                {
                    Emit(bit.Metric, ReadingValue.FromBoolean(set ^ bit.Invert), string.Empty, Quality.Good);
                }
            }
        }

        /// <summary>The words collected for a token metric in this pass (null once a register of it failed).</summary>
        private List<string>? WordSet(string metric)
        {
            _wordSets ??= new(StringComparer.Ordinal);
            if (!_wordSets.TryGetValue(metric, out var words))
            {
                words = [];
                _wordSets[metric] = words;
            }

            return words;
        }

        private void DecodeAlarms(RegisterDefinition r, ReadOnlySpan<ushort> regs)
        {
            int active = 0, warning = 0, shutdown = 0;
            for (var i = 0; i < r.Alarms.Length; i++)
            {
                // SPEC §3.5: four alarms per register, first alarm in bits 15–12 (most significant nibble first).
                var word = regs[i / 4];
                var code = (word >> (12 - (4 * (i % 4)))) & 0xF;
                if (code == 15)
                {
                    continue; // unimplemented: no reading
                }

                Emit(MetricPattern.Substitute(r.Metric!, r.Alarms[i]), ReadingValue.FromText(AlarmConditions.ByCode[code]), string.Empty, Quality.Good);
                active += AlarmConditions.IsActive(code) ? 1 : 0;
                warning += code == 2 ? 1 : 0;
                shutdown += AlarmConditions.IsShutdown(code) ? 1 : 0;
            }

            if (r.Summary is not null)
            {
                Emit(r.Summary + ".active", ReadingValue.FromNumber(active), string.Empty, Quality.Good);
                Emit(r.Summary + ".warning", ReadingValue.FromNumber(warning), string.Empty, Quality.Good);
                Emit(r.Summary + ".shutdown", ReadingValue.FromNumber(shutdown), string.Empty, Quality.Good);
            }
        }

        private void EmitBool(RegisterDefinition r, bool value)
        {
            if (r.Enum is not null)
            {
                var key = value ? 1L : 0L;
                var text = r.Enum.TryGetValue(key, out var name) ? name : key.ToString(CultureInfo.InvariantCulture);
                Emit(r.Metric!, ReadingValue.FromText(text), r.Unit, Quality.Good);
            }
            else
            {
                Emit(r.Metric!, ReadingValue.FromBoolean(value), r.Unit, Quality.Good);
            }
        }

        private void EmitNumber(RegisterDefinition r, double raw)
        {
            // NaN and infinities (float registers) cannot be stored or compared: report them as bad values.
            var value = (raw * r.Scale) + r.Offset;
            if (double.IsFinite(value))
            {
                Emit(r.Metric!, ReadingValue.FromNumber(value), r.Unit, Quality.Good);
            }
            else
            {
                Emit(r.Metric!, ReadingValue.None, r.Unit, Quality.Bad);
            }
        }

        private void EmitBad(RegisterDefinition r)
        {
            if (r.Type == RegisterType.PackedAlarms)
            {
                if (r.Summary is not null)
                {
                    Emit(r.Summary + ".active", ReadingValue.None, string.Empty, Quality.Bad);
                }

                return;
            }

            if (r.Metric is not null)
            {
                Emit(r.Metric, ReadingValue.None, r.Unit, Quality.Bad);
            }

            foreach (var bit in r.Bits)
            {
                if (bit.Token is not null)
                {
                    _wordSets ??= new(StringComparer.Ordinal);
                    _wordSets[bit.Metric!] = null;
                }
                else if (bit.Metric is not null)
                {
                    Emit(bit.Metric, ReadingValue.None, string.Empty, Quality.Bad);
                }

                _statusBad |= bit.Status is not null;
            }
        }

        private void Emit(string metric, ReadingValue value, string unit, Quality quality)
        {
            output.Add(new Reading(owner._device, metric, value, unit, timestamp, quality, sequence));
            _fresh.Add(metric);
            if (quality == Quality.Good)
            {
                if (value.TryGetNumber(out var n) && owner._remembered.Contains(metric))
                {
                    owner._last[metric] = n;
                }

                if (string.Equals(metric, MetricNames.EngineState, StringComparison.Ordinal))
                {
                    _engineState = value.Text;
                }
            }
            else
            {
                owner._last.Remove(metric);
            }
        }

        public void Finish()
        {
            if (_statusTokens is not null)
            {
                Emit(MetricNames.UpsStatus, ReadingValue.FromText(UpsStatus.From(_statusTokens).Format()), string.Empty, Quality.Good);
            }
            else if (_statusBad)
            {
                Emit(MetricNames.UpsStatus, ReadingValue.None, string.Empty, Quality.Bad);
            }

            foreach (var (metric, words) in _wordSets ?? [])
            {
                Emit(metric, words is null ? ReadingValue.None : ReadingValue.FromText(string.Join(' ', words.Distinct(StringComparer.Ordinal))),
                    string.Empty, words is null ? Quality.Bad : Quality.Good);
            }

            foreach (var d in owner._profile.Derived)
            {
                if (!d.Product.Any(_fresh.Contains))
                {
                    continue;
                }

                var value = d.Scale;
                var complete = true;
                foreach (var input in d.Product)
                {
                    if (owner._last.TryGetValue(input, out var v))
                    {
                        value *= v;
                    }
                    else
                    {
                        complete = false;
                        break;
                    }
                }

                if (complete)
                {
                    Emit(d.Metric, ReadingValue.FromNumber(value), d.Unit, Quality.Good);
                }
            }

            if (owner._profile.Kind == DeviceKind.Generator && _engineState is not null)
            {
                var state = GeneratorStateRules.Derive(
                    _engineState,
                    Last(GeneratorLoadPercent),
                    Last(MetricNames.GeneratorPower),
                    Last(MetricNames.GeneratorAlarmsShutdown));
                if (state is not null)
                {
                    Emit(MetricNames.GeneratorState, ReadingValue.FromText(state), string.Empty, Quality.Good);
                }
            }
        }

        private double? Last(string metric) => owner._last.TryGetValue(metric, out var v) ? v : null;
    }
}

/// <summary>Register strings: 2 characters per register, high byte first (SPEC §1.5, §2.1).</summary>
internal static class RegisterStrings
{
    /// <summary>
    /// Leading all-zero registers are skipped (and a zero high byte in the first non-zero one), the text ends at the first NUL, characters outside 0x20–0x7E become
    /// spaces, and trailing spaces are trimmed.
    /// </summary>
    public static string Decode(ReadOnlySpan<ushort> registers)
    {
        var start = 0;
        while (start < registers.Length && registers[start] == 0)
        {
            start++;
        }

        var sb = new StringBuilder(registers.Length * 2);
        for (var i = start; i < registers.Length; i++)
        {
            var hi = (byte)(registers[i] >> 8);
            var lo = (byte)registers[i];

            // The first character may sit in the low byte of the first non-zero register (NUT-AM).
            if (hi == 0 && i != start)
            {
                break;
            }

            if (hi != 0)
            {
                sb.Append(Printable(hi));
            }

            if (lo == 0)
            {
                break;
            }

            sb.Append(Printable(lo));
        }

        return sb.ToString().TrimEnd(' ');
    }

    private static char Printable(byte b) => b is >= 0x20 and <= 0x7E ? (char)b : ' ';
}
