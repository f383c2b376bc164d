using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace PowerWatch.Core.Profiles;

public static partial class ProfileLoader
{
    /// <summary>Registers: one entry of <c>$.registers</c> into its definitions (word count, metric, unit, enum, bits, sentinels, alarms, repeat).</summary>
    private sealed partial class Builder
    {
        private void BuildRegister(
            RegisterDto r,
            string path,
            RegisterTable? defaultTable,
            WordOrder defaultOrder,
            PollClass defaultClass,
            ImmutableArray<RegisterDefinition>.Builder output)
        {
            var before = Problems.Count;
            UnknownFields(path, r.Extra);

            var table = ParseEnum(r.Table, path + ".table", TableNames, required: false) ?? defaultTable;
            if (table is null && r.Table is null)
            {
                Problem(path + ".table", "missing field (and no defaults.table)");
            }

            var type = ParseEnum(r.Type, path + ".type", TypeNames, required: true);
            var order = ParseEnum(r.WordOrder, path + ".wordOrder", WordOrderNames, required: false) ?? defaultOrder;
            var pollClass = ParseEnum(r.Class, path + ".class", ClassNames, required: false) ?? defaultClass;
            var format = ParseEnum(r.Format, path + ".format", FormatNames, required: false) ?? ValueFormat.None;
            var scale = ParseScale(r.Scale, path + ".scale") ?? 1;
            var offset = r.Offset ?? 0;
            if (!double.IsFinite(offset))
            {
                Problem(path + ".offset", "offset must be finite");
            }

            if (r.Address is null)
            {
                Problem(path + ".address", "missing field");
            }
            else if (r.Address is < 0 or > 65535)
            {
                Problem(path + ".address", $"address {r.Address} out of range 0–65535");
            }

            if (type is null || table is null)
            {
                return;
            }

            var isBitTable = table is RegisterTable.Coil or RegisterTable.DiscreteInput;
            if (isBitTable && type != RegisterType.Bool)
            {
                Problem(path + ".type", $"type '{r.Type}' is not valid in table '{r.Table ?? "(default)"}': coil and discrete tables hold bool only");
                return;
            }

            var count = WordCount(r, type.Value, isBitTable, path);
            if (count is null)
            {
                return;
            }

            var (definition, unit) = RegisterMetric(r, type.Value, format, path);

            var bit = RegisterBit(r, type.Value, isBitTable, path);
            var enumMap = BuildEnum(r.Enum, path + ".enum", type.Value, definition);
            var bits = BuildBits(r.Bits, path + ".bits", type.Value, count.Value);
            var sentinels = RegisterSentinels(r, type.Value, path);
            var alarms = RegisterAlarms(r, type.Value, path);

            if (format != ValueFormat.None && type is not (RegisterType.UInt16 or RegisterType.UInt32 or RegisterType.Int16 or RegisterType.Int32))
            {
                Problem(path + ".format", "format 'date2000' applies only to integer types");
            }

            var repeat = BuildRepeat(r.Repeat, path + ".repeat", count.Value);
            if (Problems.Count > before || r.Address is null)
            {
                return;
            }

            var address = r.Address.Value;
            var instances = repeat?.Count ?? 1;
            for (var i = 0; i < instances; i++)
            {
                int? index = repeat is null ? null : repeat.Start + i;
                var at = address + (i * (repeat?.Stride ?? 0));
                if (at + count.Value - 1 > 65535)
                {
                    Problem(path + ".address", $"register range {at}–{at + count.Value - 1} (instance {index ?? 1}) ends beyond 65535");
                    return;
                }

                output.Add(new RegisterDefinition
                {
                    Metric = r.Metric is null ? null : index is { } n ? MetricPattern.Substitute(r.Metric, n) : r.Metric,
                    Name = r.Name,
                    Table = table.Value,
                    Address = at,
                    Count = count.Value,
                    Type = type.Value,
                    WordOrder = order,
                    Scale = scale,
                    Offset = offset,
                    Unit = unit,
                    Class = pollClass,
                    Bit = bit,
                    Enum = enumMap,
                    Bits = index is { } m ? [.. bits.Select(x => x with { Metric = x.Metric is null ? null : MetricPattern.Substitute(x.Metric, m) })] : bits,
                    Sentinels = sentinels,
                    Alarms = alarms,
                    Format = format,
                    RepeatIndex = index,
                    LimitBy = repeat?.LimitBy,
                    Path = path,
                    Summary = r.Summary,
                });
            }
        }

        /// <summary>The register's metric in the catalogue (null: none or unknown), its unit, and the checks of unit, kind and scale.</summary>
        private (MetricDefinition? Definition, string Unit) RegisterMetric(RegisterDto r, RegisterType type, ValueFormat format, string path)
        {
            MetricDefinition? definition = null;
            if (r.Metric is null)
            {
                if (type != RegisterType.Bitfield)
                {
                    Problem(path + ".metric", "missing field");
                }
            }
            else
            {
                definition = CheckMetric(r.Metric, path + ".metric", r.Repeat is not null, type == RegisterType.PackedAlarms);
            }

            var unit = definition?.Unit ?? string.Empty;
            if (r.Unit is not null && definition is not null && !string.Equals(r.Unit, definition.Unit, StringComparison.Ordinal))
            {
                Problem(path + ".unit", $"unit '{r.Unit}' does not match the catalogue unit '{definition.Unit}' of metric '{definition.Name}'{RenameHint(r.Metric!)}");
            }

            if (definition is not null)
            {
                CheckKind(definition, type, r.Enum is not null || format != ValueFormat.None, path + ".metric");
            }

            if (r.Scale is not null && type is RegisterType.String or RegisterType.Bool or RegisterType.Bitfield or RegisterType.PackedAlarms)
            {
                Problem(path + ".scale", $"scale does not apply to type '{r.Type}'");
            }

            return (definition, unit);
        }

        /// <summary>The bit of a bool in a register table.</summary>
        private int? RegisterBit(RegisterDto r, RegisterType type, bool isBitTable, string path)
        {
            int? bit = null;
            if (r.Bit is { } b)
            {
                if (type != RegisterType.Bool || isBitTable)
                {
                    Problem(path + ".bit", "bit applies only to type 'bool' in a register table");
                }
                else if (b is < 0 or > 15)
                {
                    Problem(path + ".bit", $"bit {b} out of range 0–15");
                }
                else
                {
                    bit = b;
                }
            }
            else if (type == RegisterType.Bool && !isBitTable)
            {
                Problem(path + ".bit", "missing field (a bool in a register table needs its bit number)");
            }

            return bit;
        }

        /// <summary>The register's sentinel set (defined under <c>$.sentinelSets</c>).</summary>
        private ImmutableArray<Sentinel> RegisterSentinels(RegisterDto r, RegisterType type, string path)
        {
            var sentinels = ImmutableArray<Sentinel>.Empty;
            if (r.Sentinels is not null)
            {
                if (!_sentinelSets.TryGetValue(r.Sentinels, out sentinels))
                {
                    Problem(path + ".sentinels", $"unknown sentinel set '{r.Sentinels}' (define it under $.sentinelSets)");
                    sentinels = [];
                }
                else if (type is RegisterType.String or RegisterType.Float32 or RegisterType.Float64 or RegisterType.PackedAlarms)
                {
                    Problem(path + ".sentinels", $"sentinels do not apply to type '{r.Type}'");
                }
            }

            return sentinels;
        }

        /// <summary>The alarm names of a packed-alarms register, and its summary.</summary>
        private ImmutableArray<string> RegisterAlarms(RegisterDto r, RegisterType type, string path)
        {
            var alarms = ImmutableArray<string>.Empty;
            if (type == RegisterType.PackedAlarms)
            {
                alarms = BuildAlarms(r.Alarms, path + ".alarms");
                if (r.Summary is not null && !string.Equals(r.Summary, "generator.alarms", StringComparison.Ordinal))
                {
                    Problem(path + ".summary", $"unknown summary '{r.Summary}' (supported: generator.alarms)");
                }
            }
            else if (r.Alarms is not null)
            {
                Problem(path + ".alarms", "alarms apply only to type 'packed-alarms'");
            }

            return alarms;
        }

        private int? WordCount(RegisterDto r, RegisterType type, bool isBitTable, string path)
        {
            int? fixedCount = type switch
            {
                RegisterType.Int16 or RegisterType.UInt16 or RegisterType.Bool => 1,
                RegisterType.Int32 or RegisterType.UInt32 or RegisterType.Float32 => 2,
                RegisterType.Int64 or RegisterType.UInt64 or RegisterType.Float64 => 4,
                _ => null,
            };

            if (r.Length is not null && type != RegisterType.String)
            {
                Problem(path + ".length", "length applies only to type 'string'");
            }

            if (fixedCount is { } f)
            {
                if (r.Words is { } w && w != f)
                {
                    Problem(path + ".words", $"type '{r.Type}' spans {f} {(isBitTable ? "bit" : "register")}(s), not {w}");
                    return null;
                }

                return f;
            }

            switch (type)
            {
                case RegisterType.String:
                    if (r.Words is { } sw && r.Length is { } len && sw != (len + 1) / 2)
                    {
                        Problem(path + ".words", $"words {sw} disagrees with length {len}");
                        return null;
                    }

                    var words = r.Words ?? (r.Length is { } l ? (l + 1) / 2 : (int?)null);
                    if (words is null)
                    {
                        Problem(path + ".words", "missing field (a string needs words or length)");
                        return null;
                    }

                    if (words is < 1 or > 125)
                    {
                        Problem(path + ".words", $"string of {words} registers out of range 1–125");
                        return null;
                    }

                    return words;

                case RegisterType.Bitfield:
                    var bw = r.Words ?? 1;
                    if (bw is not (1 or 2 or 4))
                    {
                        Problem(path + ".words", $"a bitfield spans 1, 2 or 4 registers, not {bw}");
                        return null;
                    }

                    return bw;

                case RegisterType.PackedAlarms:
                    var needed = ((r.Alarms?.Count ?? 0) + 3) / 4;
                    var aw = r.Words ?? needed;
                    if (aw < needed || aw is < 1 or > 125)
                    {
                        Problem(path + ".words", $"packed-alarms needs {needed} register(s) for {r.Alarms?.Count ?? 0} alarm(s); words {aw} is not valid");
                        return null;
                    }

                    return aw;

                default:
                    return null;
            }
        }

        private MetricDefinition? CheckMetric(string metric, string path, bool repeated, bool alarms)
        {
            var hasN = metric.Contains(MetricPattern.Number, StringComparison.Ordinal);
            var hasName = metric.Contains(MetricPattern.Name, StringComparison.Ordinal);
            if (repeated && !hasN)
            {
                Problem(path, $"a repeated register's metric must contain {MetricPattern.Number} (got '{metric}')");
                return null;
            }

            if (!repeated && hasN)
            {
                Problem(path, $"metric '{metric}' contains {MetricPattern.Number} but the register has no repeat");
                return null;
            }

            if (alarms && !hasName)
            {
                Problem(path, $"a packed-alarms metric must contain {MetricPattern.Name} (got '{metric}')");
                return null;
            }

            if (!alarms && hasName)
            {
                Problem(path, $"metric '{metric}' contains {MetricPattern.Name}, which only packed-alarms can fill");
                return null;
            }

            if (!MetricCatalog.TryFind(metric, out var definition))
            {
                Problem(path, $"metric '{metric}' is not in the metric catalogue{RenameHint(metric)}");
                return null;
            }

            return definition;
        }

        private void CheckKind(MetricDefinition definition, RegisterType type, bool mapped, string path)
        {
            var numeric = type is RegisterType.Int16 or RegisterType.UInt16 or RegisterType.Int32 or RegisterType.UInt32
                or RegisterType.Int64 or RegisterType.UInt64 or RegisterType.Float32 or RegisterType.Float64;
            var integer = numeric && type is not (RegisterType.Float32 or RegisterType.Float64);
            var ok = definition.Kind switch
            {
                MetricKind.Number => (numeric && !mapped) || type == RegisterType.Bitfield,
                MetricKind.Boolean => type == RegisterType.Bool,
                MetricKind.Text => type is RegisterType.String or RegisterType.PackedAlarms || integer || (type == RegisterType.Bool && mapped),
                _ => false,
            };

            if (!ok)
            {
                var kind = definition.Kind.ToString().ToLowerInvariant();
                Problem(path, $"metric '{definition.Name}' is a {kind} metric; type '{TypeNames.First(x => x.Value == type).Key}'{(mapped ? " with enum/format" : string.Empty)} cannot produce it");
            }
        }

        private FrozenDictionary<long, string>? BuildEnum(Dictionary<string, string>? map, string path, RegisterType type, MetricDefinition? definition)
        {
            if (map is null)
            {
                return null;
            }

            if (type is RegisterType.String or RegisterType.Float32 or RegisterType.Float64 or RegisterType.Bitfield or RegisterType.PackedAlarms)
            {
                Problem(path, "enum applies only to integer and bool types");
                return null;
            }

            if (map.Count == 0)
            {
                Problem(path, "enum map is empty");
                return null;
            }

            var result = new Dictionary<long, string>();
            foreach (var (key, value) in map)
            {
                if (!TryParseInteger(key, out var k))
                {
                    Problem($"{path}['{key}']", $"enum key '{key}' is not an integer");
                    continue;
                }

                if (string.IsNullOrWhiteSpace(value))
                {
                    Problem($"{path}['{key}']", "enum value is empty");
                    continue;
                }

                if (definition is { Values.IsDefaultOrEmpty: false } && !definition.Values.Contains(value, StringComparer.Ordinal))
                {
                    Problem($"{path}['{key}']", $"enum value '{value}' is not an allowed value of metric '{definition.Name}' (allowed: {string.Join(", ", definition.Values)})");
                    continue;
                }

                if (!result.TryAdd(k, value))
                {
                    Problem($"{path}['{key}']", $"enum key {k} appears twice");
                }
            }

            return result.ToFrozenDictionary();
        }

        private ImmutableArray<BitDefinition> BuildBits(Dictionary<string, BitDto>? bits, string path, RegisterType type, int count)
        {
            if (bits is null)
            {
                if (type == RegisterType.Bitfield)
                {
                    Problem(path, "missing field (a bitfield needs bits)");
                }

                return [];
            }

            if (type != RegisterType.Bitfield)
            {
                Problem(path, "bits apply only to type 'bitfield'");
                return [];
            }

            var result = ImmutableArray.CreateBuilder<BitDefinition>();
            foreach (var (key, dto) in bits)
            {
                var bitPath = $"{path}['{key}']";
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var bit) || bit >= count * 16)
                {
                    Problem(bitPath, $"bit '{key}' is not a bit number 0–{(count * 16) - 1}");
                    continue;
                }

                if (dto is null)
                {
                    Problem(bitPath, "bit entry is null");
                    continue;
                }

                UnknownFields(bitPath, dto.Extra);
                if (dto.Status is null && dto.Metric is null)
                {
                    Problem(bitPath, "missing field (a bit needs status, metric or both)");
                    continue;
                }

                if (dto.Status is not null && !UpsStatusTokens.IsKnown(dto.Status))
                {
                    Problem(bitPath + ".status", $"unknown status token '{dto.Status}' (known: {string.Join(" ", UpsStatusTokens.Known)})");
                }

                if (dto.Metric is not null)
                {
                    var hasN = dto.Metric.Contains(MetricPattern.Number, StringComparison.Ordinal);
                    if (!MetricCatalog.TryFind(dto.Metric, out var def))
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is not in the metric catalogue{RenameHint(dto.Metric)}");
                    }
                    else if (dto.Token is null && def.Kind != MetricKind.Boolean)
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is a {def.Kind.ToString().ToLowerInvariant()} metric; a bit produces a boolean (or, with token, a word of a text metric)");
                    }
                    else if (dto.Token is not null && def.Kind != MetricKind.Text)
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is a {def.Kind.ToString().ToLowerInvariant()} metric; a bit with a token adds a word to a text metric");
                    }
                    else if (hasN && def.IsPattern is false)
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is not a pattern");
                    }
                }

                if (dto.Token is not null && (dto.Metric is null || dto.Token.Length == 0 || dto.Token.Any(char.IsWhiteSpace) || dto.Invert is not null))
                {
                    Problem(bitPath + ".token", "a token is one word without spaces, with a metric and without invert");
                }

                result.Add(new BitDefinition(bit, dto.Status, dto.Metric, dto.Invert ?? false) { Token = dto.Token });
            }

            return result.ToImmutable();
        }

        private ImmutableArray<string> BuildAlarms(List<string>? alarms, string path)
        {
            if (alarms is null || alarms.Count == 0)
            {
                Problem(path, "missing field (packed-alarms needs the alarm names in order)");
                return [];
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < alarms.Count; i++)
            {
                var name = alarms[i];
                var itemPath = string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
                if (name is null || !MetricPattern.IsIdentifier(name))
                {
                    Problem(itemPath, $"alarm name '{name}' must be a lower-case identifier [a-z0-9-]");
                }
                else if (!seen.Add(name))
                {
                    Problem(itemPath, $"alarm name '{name}' appears twice");
                }
            }

            return [.. alarms];
        }

        private sealed record Repeat(int Count, int Stride, int Start, string? LimitBy);

        private Repeat? BuildRepeat(RepeatDto? dto, string path, int count)
        {
            if (dto is null)
            {
                return null;
            }

            UnknownFields(path, dto.Extra);
            var ok = true;
            if (dto.Count is not { } c || c < 1 || c > 1000)
            {
                Problem(path + ".count", dto.Count is null ? "missing field" : $"count {dto.Count} out of range 1–1000");
                ok = false;
            }

            var stride = dto.Stride ?? count;
            if (stride < count)
            {
                Problem(path + ".stride", $"stride {stride} is smaller than the entry's {count} register(s): instances would overlap");
                ok = false;
            }

            var start = dto.Start ?? 1;
            if (start < 1)
            {
                Problem(path + ".start", $"start {start} must be at least 1");
                ok = false;
            }

            if (dto.LimitBy is not null && !MetricCatalog.Contains(dto.LimitBy))
            {
                Problem(path + ".limitBy", $"metric '{dto.LimitBy}' is not in the metric catalogue{RenameHint(dto.LimitBy)}");
                ok = false;
            }

            return ok ? new Repeat(dto.Count!.Value, stride, start, dto.LimitBy) : null;
        }

        private static string TypeName(RegisterType type) => TypeNames.First(x => x.Value == type).Key;
    }
}
