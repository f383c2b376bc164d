using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace PowerWatch.Core.Profiles;

/// <summary>
/// Loads and validates device profiles (schema <c>powerwatch-profile/1</c>). Validation reports every problem it
/// finds, each with file name, JSON path and reason; a profile with any problem is not returned.
/// </summary>
public static class ProfileLoader
{
    /// <summary>Parses and validates one profile from its JSON text. Never throws for bad content.</summary>
    public static ProfileLoadResult Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        ProfileDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize(json, ProfileJsonContext.Default.ProfileDto);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {ex.BytePositionInLine + 1})")
                : string.Empty;
            return new ProfileLoadResult(source, null, [new ProfileProblem(source, ex.Path ?? "$", "invalid JSON: " + FirstSentence(ex.Message) + where)]);
        }

        if (dto is null)
        {
            return new ProfileLoadResult(source, null, [new ProfileProblem(source, "$", "the document is null; expected a profile object")]);
        }

        var builder = new Builder(source);
        var profile = builder.Build(dto);
        return builder.Problems.Count == 0
            ? new ProfileLoadResult(source, profile, [])
            : new ProfileLoadResult(source, null, [.. builder.Problems]);
    }

    /// <summary>Reads and validates one profile file; the problems name the file by its file name.</summary>
    public static async Task<ProfileLoadResult> LoadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        var json = await File.ReadAllTextAsync(path, cancellationToken);
        return Parse(json, System.IO.Path.GetFileName(path));
    }

    /// <summary>Loads every <c>*.json</c> file of a directory (sorted by name).</summary>
    public static async Task<ImmutableArray<ProfileLoadResult>> LoadDirectoryAsync(string directory, CancellationToken cancellationToken)
    {
        var results = ImmutableArray.CreateBuilder<ProfileLoadResult>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            results.Add(await LoadFileAsync(file, cancellationToken));
        }

        return results.ToImmutable();
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }

    private sealed class Builder(string source)
    {
        private readonly Dictionary<string, ImmutableArray<Sentinel>> _sentinelSets = new(StringComparer.Ordinal);

        public List<ProfileProblem> Problems { get; } = [];

        private void Problem(string path, string reason) => Problems.Add(new ProfileProblem(source, path, reason));

        private void UnknownFields(string path, Dictionary<string, JsonElement>? extra)
        {
            if (extra is null)
            {
                return;
            }

            foreach (var key in extra.Keys)
            {
                Problem($"{path}.{key}", "unknown field");
            }
        }

        public DeviceProfile? Build(ProfileDto dto)
        {
            UnknownFields("$", dto.Extra);
            if (dto.Schema is null)
            {
                Problem("$.schema", $"missing field (expected \"{DeviceProfile.SchemaV1}\")");
            }
            else if (!string.Equals(dto.Schema, DeviceProfile.SchemaV1, StringComparison.Ordinal))
            {
                Problem("$.schema", $"unsupported schema '{dto.Schema}' (expected \"{DeviceProfile.SchemaV1}\")");
            }

            var id = Required(dto.Id, "$.id");
            var manufacturer = Required(dto.Manufacturer, "$.manufacturer");
            var model = Required(dto.Model, "$.model");
            var kind = ParseEnum(dto.Kind, "$.kind", KindNames, required: true) ?? DeviceKind.Ups;

            var defaults = dto.Defaults ?? new DefaultsDto();
            UnknownFields("$.defaults", defaults.Extra);
            byte unitId = 1;
            if (defaults.UnitId is { } u)
            {
                if (u is < 0 or > 255)
                {
                    Problem("$.defaults.unitId", $"unit id {u} out of range 0–255");
                }
                else
                {
                    unitId = (byte)u;
                }
            }

            var defaultTable = ParseEnum(defaults.Table, "$.defaults.table", TableNames, required: false);
            var defaultOrder = ParseEnum(defaults.WordOrder, "$.defaults.wordOrder", WordOrderNames, required: false) ?? WordOrder.Abcd;
            var defaultClass = ParseEnum(defaults.Class, "$.defaults.class", ClassNames, required: false) ?? PollClass.Fast;

            var workarounds = BuildWorkarounds(dto.Workarounds);

            if (dto.SentinelSets is not null)
            {
                foreach (var (name, entries) in dto.SentinelSets)
                {
                    _sentinelSets[name] = BuildSentinels(name, entries);
                }
            }

            var registers = ImmutableArray.CreateBuilder<RegisterDefinition>();
            if (dto.Registers is null || dto.Registers.Count == 0)
            {
                Problem("$.registers", "missing field (a profile needs at least one register)");
            }
            else
            {
                for (var i = 0; i < dto.Registers.Count; i++)
                {
                    var path = string.Create(CultureInfo.InvariantCulture, $"$.registers[{i}]");
                    if (dto.Registers[i] is null)
                    {
                        Problem(path, "register entry is null");
                        continue;
                    }

                    BuildRegister(dto.Registers[i], path, defaultTable, defaultOrder, defaultClass, registers);
                }
            }

            CheckOverlaps(registers);
            var emitted = CheckDuplicateMetrics(registers);
            CheckLimitBy(registers, emitted);
            var derived = BuildDerived(dto.Derived, emitted);
            var commands = BuildCommands(dto.Commands);

            return Problems.Count > 0
                ? null
                : new DeviceProfile
                {
                    Id = id!,
                    Kind = kind,
                    Manufacturer = manufacturer!,
                    Model = model!,
                    Description = dto.Description ?? string.Empty,
                    Source = source,
                    UnitId = unitId,
                    Registers = registers.ToImmutable(),
                    Derived = derived,
                    Commands = commands,
                    Workarounds = workarounds,
                };
        }

        private string? Required(string? value, string path)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Problem(path, "missing field");
                return null;
            }

            return value;
        }

        private T? ParseEnum<T>(string? text, string path, FrozenDictionary<string, T> names, bool required)
            where T : struct
        {
            if (text is null)
            {
                if (required)
                {
                    Problem(path, "missing field");
                }

                return null;
            }

            if (names.TryGetValue(text, out var value))
            {
                return value;
            }

            Problem(path, $"unknown value '{text}' (expected one of: {string.Join(", ", names.Keys.Order(StringComparer.Ordinal))})");
            return null;
        }

        private ProfileWorkarounds BuildWorkarounds(WorkaroundsDto? dto)
        {
            var result = new ProfileWorkarounds();
            if (dto is null)
            {
                return result;
            }

            UnknownFields("$.workarounds", dto.Extra);
            if (dto.MaxRegistersPerRequest is { } max)
            {
                if (max is < 1 or > 125)
                {
                    Problem("$.workarounds.maxRegistersPerRequest", $"{max} out of range 1–125");
                }
                else
                {
                    result = result with { MaxRegistersPerRequest = max };
                }
            }

            if (dto.MaxGap is { } gap)
            {
                if (gap is < 0 or > 124)
                {
                    Problem("$.workarounds.maxGap", $"{gap} out of range 0–124");
                }
                else
                {
                    result = result with { MaxGap = gap };
                }
            }

            if (dto.OneRequestPerField is { } one)
            {
                result = result with { OneRequestPerField = one };
            }

            if (ParseDuration(dto.PauseBetweenRequests, "$.workarounds.pauseBetweenRequests") is { } pause)
            {
                result = result with { PauseBetweenRequests = pause };
            }

            if (ParseDuration(dto.PauseAfterConnect, "$.workarounds.pauseAfterConnect") is { } after)
            {
                result = result with { PauseAfterConnect = after };
            }

            return result;
        }

        private TimeSpan? ParseDuration(string? text, string path)
        {
            if (text is null)
            {
                return null;
            }

            if (!TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var value) || value < TimeSpan.Zero)
            {
                Problem(path, $"'{text}' is not a non-negative duration (format hh:mm:ss.fff)");
                return null;
            }

            return value;
        }

        private ImmutableArray<Sentinel> BuildSentinels(string setName, List<SentinelDto>? entries)
        {
            var result = ImmutableArray.CreateBuilder<Sentinel>();
            var setPath = $"$.sentinelSets['{setName}']";
            if (entries is null || entries.Count == 0)
            {
                Problem(setPath, "a sentinel set needs at least one entry");
                return [];
            }

            for (var i = 0; i < entries.Count; i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"{setPath}[{i}]");
                var e = entries[i];
                UnknownFields(path, e.Extra);
                var raw = ParseInteger(e.Value, path + ".value");
                var meaning = Required(e.Meaning, path + ".meaning");
                var result1 = ParseEnum(e.Result, path + ".result", ResultNames, required: true);
                if (raw is { } r && meaning is not null && result1 is { } res)
                {
                    // Stored as the two's complement bit pattern; masked to the register width at decode time.
                    result.Add(new Sentinel(unchecked((ulong)r), meaning, res));
                }
            }

            return result.ToImmutable();
        }

        private long? ParseInteger(JsonElement? element, string path)
        {
            if (element is not { } e || e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                Problem(path, "missing field");
                return null;
            }

            if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n))
            {
                return n;
            }

            if (e.ValueKind == JsonValueKind.String && TryParseInteger(e.GetString()!, out var s))
            {
                return s;
            }

            Problem(path, $"'{e.GetRawText()}' is not an integer (decimal, or hex string \"0x…\")");
            return null;
        }

        internal static bool TryParseInteger(string text, out long value)
        {
            if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                {
                    value = unchecked((long)hex);
                    return true;
                }

                value = 0;
                return false;
            }

            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        }

        private double? ParseScale(JsonElement? element, string path)
        {
            if (element is not { } e || e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                return null;
            }

            double value;
            if (e.ValueKind == JsonValueKind.Number)
            {
                value = e.GetDouble();
            }
            else if (e.ValueKind == JsonValueKind.String && TryParseScale(e.GetString()!, out var s))
            {
                value = s;
            }
            else
            {
                Problem(path, $"'{e.GetRawText()}' is not a scale (a number, or a string \"1/512\" or \"0.1\")");
                return null;
            }

            if (!double.IsFinite(value) || value == 0)
            {
                Problem(path, $"scale {e.GetRawText()} must be finite and non-zero");
                return null;
            }

            return value;
        }

        private static bool TryParseScale(string text, out double value)
        {
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            }

            if (double.TryParse(text.AsSpan(0, slash), NumberStyles.Float, CultureInfo.InvariantCulture, out var num) &&
                double.TryParse(text.AsSpan(slash + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var den) &&
                den != 0)
            {
                value = num / den;
                return true;
            }

            value = 0;
            return false;
        }

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

            // Metric, catalogue, unit and kind.
            var isAlarms = type == RegisterType.PackedAlarms;
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
                definition = CheckMetric(r.Metric, path + ".metric", r.Repeat is not null, isAlarms);
            }

            var unit = definition?.Unit ?? string.Empty;
            if (r.Unit is not null && definition is not null && !string.Equals(r.Unit, definition.Unit, StringComparison.Ordinal))
            {
                Problem(path + ".unit", $"unit '{r.Unit}' does not match the catalogue unit '{definition.Unit}' of metric '{definition.Name}'");
            }

            if (definition is not null)
            {
                CheckKind(definition, type.Value, r.Enum is not null || format != ValueFormat.None, path + ".metric");
            }

            if (r.Scale is not null && type is RegisterType.String or RegisterType.Bool or RegisterType.Bitfield or RegisterType.PackedAlarms)
            {
                Problem(path + ".scale", $"scale does not apply to type '{r.Type}'");
            }

            // Bit of a register.
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

            var enumMap = BuildEnum(r.Enum, path + ".enum", type.Value, definition);
            var bits = BuildBits(r.Bits, path + ".bits", type.Value, count.Value);
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

            var alarms = ImmutableArray<string>.Empty;
            if (isAlarms)
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
                Problem(path, $"metric '{metric}' is not in the metric catalogue");
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
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is not in the metric catalogue");
                    }
                    else if (def.Kind != MetricKind.Boolean)
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is a {def.Kind.ToString().ToLowerInvariant()} metric; a bit produces a boolean");
                    }
                    else if (hasN && def.IsPattern is false)
                    {
                        Problem(bitPath + ".metric", $"metric '{dto.Metric}' is not a pattern");
                    }
                }

                result.Add(new BitDefinition(bit, dto.Status, dto.Metric, dto.Invert ?? false));
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
                Problem(path + ".limitBy", $"metric '{dto.LimitBy}' is not in the metric catalogue");
                ok = false;
            }

            return ok ? new Repeat(dto.Count!.Value, stride, start, dto.LimitBy) : null;
        }

        private void CheckOverlaps(ImmutableArray<RegisterDefinition>.Builder registers)
        {
            var sorted = registers.OrderBy(r => r.Table).ThenBy(r => r.Address).ToList();
            var reported = new HashSet<(string, string)>();
            for (var i = 0; i < sorted.Count; i++)
            {
                var a = sorted[i];
                for (var j = i + 1; j < sorted.Count && sorted[j].Table == a.Table && sorted[j].Address <= a.EndAddress; j++)
                {
                    var b = sorted[j];
                    var bitOfRegister = (a.Type == RegisterType.Bool && a.Bit is not null) || (b.Type == RegisterType.Bool && b.Bit is not null);
                    var same = a.Type == b.Type && a.Address == b.Address && a.Count == b.Count;
                    if (!bitOfRegister && !same && reported.Add((a.Path, b.Path)))
                    {
                        Problem(
                            b.Path,
                            $"overlapping registers of different types: {TypeName(b.Type)} at {b.Address}–{b.EndAddress} overlaps {TypeName(a.Type)} at {a.Address}–{a.EndAddress} ({a.Path})");
                    }
                }
            }
        }

        private HashSet<string> CheckDuplicateMetrics(ImmutableArray<RegisterDefinition>.Builder registers)
        {
            var first = new Dictionary<string, string>(StringComparer.Ordinal);
            void Add(string metric, string path)
            {
                if (!first.TryAdd(metric, path))
                {
                    Problem(path, $"metric '{metric}' is already emitted by {first[metric]}");
                }
            }

            foreach (var r in registers)
            {
                if (r.Metric is not null && r.Type != RegisterType.PackedAlarms)
                {
                    Add(r.Metric, r.Path);
                }

                foreach (var bit in r.Bits)
                {
                    if (bit.Metric is not null)
                    {
                        Add(bit.Metric, string.Create(CultureInfo.InvariantCulture, $"{r.Path}.bits['{bit.Bit}']"));
                    }
                }

                foreach (var alarm in r.Alarms)
                {
                    Add(MetricPattern.Substitute(r.Metric!, alarm), r.Path);
                }
            }

            if (registers.Any(r => r.Bits.Any(b => b.Status is not null)))
            {
                Add(MetricNames.UpsStatus, "$.registers (status bits)");
            }

            return [.. first.Keys];
        }

        private void CheckLimitBy(ImmutableArray<RegisterDefinition>.Builder registers, HashSet<string> emitted)
        {
            foreach (var r in registers.Where(r => r.LimitBy is not null && r.RepeatIndex == 1))
            {
                if (!emitted.Contains(r.LimitBy!))
                {
                    Problem(r.Path + ".repeat.limitBy", $"metric '{r.LimitBy}' is not emitted by any register of this profile");
                }
            }
        }

        private ImmutableArray<DerivedMetric> BuildDerived(List<DerivedDto>? list, HashSet<string> emitted)
        {
            if (list is null)
            {
                return [];
            }

            var result = ImmutableArray.CreateBuilder<DerivedMetric>();
            for (var i = 0; i < list.Count; i++)
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"$.derived[{i}]");
                var d = list[i];
                UnknownFields(path, d.Extra);
                var before = Problems.Count;
                MetricDefinition? def = null;
                if (Required(d.Metric, path + ".metric") is { } metric)
                {
                    if (!MetricCatalog.TryFind(metric, out def))
                    {
                        Problem(path + ".metric", $"metric '{metric}' is not in the metric catalogue");
                    }
                    else if (def.Kind != MetricKind.Number)
                    {
                        Problem(path + ".metric", $"derived metric '{metric}' must be a number metric");
                    }
                    else if (emitted.Contains(metric))
                    {
                        Problem(path + ".metric", $"metric '{metric}' is already emitted by a register");
                    }
                }

                if (d.Product is null || d.Product.Count == 0)
                {
                    Problem(path + ".product", "missing field (the metrics to multiply)");
                }
                else
                {
                    for (var k = 0; k < d.Product.Count; k++)
                    {
                        if (!emitted.Contains(d.Product[k]))
                        {
                            Problem(string.Create(CultureInfo.InvariantCulture, $"{path}.product[{k}]"), $"metric '{d.Product[k]}' is not emitted by this profile");
                        }
                    }
                }

                if (d.Unit is not null && def is not null && !string.Equals(d.Unit, def.Unit, StringComparison.Ordinal))
                {
                    Problem(path + ".unit", $"unit '{d.Unit}' does not match the catalogue unit '{def.Unit}' of metric '{def.Name}'");
                }

                var scale = ParseScale(d.Scale, path + ".scale") ?? 1;
                if (Problems.Count == before)
                {
                    result.Add(new DerivedMetric(d.Metric!, [.. d.Product!], scale, def!.Unit));
                    emitted.Add(d.Metric!);
                }
            }

            return result.ToImmutable();
        }

        private FrozenDictionary<string, CommandDefinition> BuildCommands(Dictionary<string, CommandDto>? commands)
        {
            var result = new Dictionary<string, CommandDefinition>(StringComparer.Ordinal);
            if (commands is null)
            {
                return result.ToFrozenDictionary(StringComparer.Ordinal);
            }

            foreach (var (name, dto) in commands)
            {
                var path = $"$.commands['{name}']";
                if (dto is null)
                {
                    Problem(path, "command is null");
                    continue;
                }

                UnknownFields(path, dto.Extra);
                var before = Problems.Count;
                var repeat = BuildRepeat(dto.Repeat, path + ".repeat", 1);
                var hasN = name.Contains(MetricPattern.Number, StringComparison.Ordinal);
                if (!MetricPattern.IsIdentifier(name.Replace(MetricPattern.Number, "1", StringComparison.Ordinal).Replace(".", "-", StringComparison.Ordinal)))
                {
                    Problem(path, $"command name '{name}' must be lower-case [a-z0-9.-]");
                }

                if ((dto.Repeat is not null) != hasN)
                {
                    Problem(path, hasN ? $"command name '{name}' contains {{n}} but has no repeat" : $"a repeated command's name must contain {{n}} (got '{name}')");
                }

                var writes = new List<(RegisterTable Table, int Address, ImmutableArray<ushort> Values, byte Function)>();
                if (dto.Writes is null || dto.Writes.Count == 0)
                {
                    Problem(path + ".writes", "missing field (a command needs at least one write)");
                }
                else
                {
                    for (var i = 0; i < dto.Writes.Count; i++)
                    {
                        if (BuildWrite(dto.Writes[i], string.Create(CultureInfo.InvariantCulture, $"{path}.writes[{i}]")) is { } w)
                        {
                            writes.Add(w);
                        }
                    }
                }

                if (Problems.Count > before)
                {
                    continue;
                }

                var instances = repeat?.Count ?? 1;
                for (var i = 0; i < instances; i++)
                {
                    var n = (repeat?.Start ?? 1) + i;
                    var instanceName = repeat is null ? name : MetricPattern.Substitute(name, n);
                    var shift = i * (repeat?.Stride ?? 0);
                    var concrete = writes.Select(w => new CommandWrite(w.Table, w.Address + shift, w.Values, w.Function)).ToImmutableArray();
                    if (concrete.Any(w => w.Address + w.Values.Length - 1 > 65535))
                    {
                        Problem(path + ".repeat", $"instance {n} writes beyond address 65535");
                        break;
                    }

                    result[instanceName] = new CommandDefinition(instanceName, dto.Description ?? string.Empty, concrete);
                }
            }

            return result.ToFrozenDictionary(StringComparer.Ordinal);
        }

        private (RegisterTable, int, ImmutableArray<ushort>, byte)? BuildWrite(WriteDto? w, string path)
        {
            if (w is null)
            {
                Problem(path, "write is null");
                return null;
            }

            var before = Problems.Count;
            UnknownFields(path, w.Extra);
            var table = ParseEnum(w.Table, path + ".table", TableNames, required: true);
            if (table is RegisterTable.DiscreteInput or RegisterTable.InputRegister)
            {
                Problem(path + ".table", $"table '{w.Table}' is read-only; commands write coils or holding registers");
            }

            if (w.Address is null)
            {
                Problem(path + ".address", "missing field");
            }
            else if (w.Address is < 0 or > 65535)
            {
                Problem(path + ".address", $"address {w.Address} out of range 0–65535");
            }

            var values = ImmutableArray.CreateBuilder<ushort>();
            if (w.Values is null || w.Values.Count == 0)
            {
                Problem(path + ".values", "missing field");
            }
            else
            {
                var max = table == RegisterTable.Coil ? 1 : 65535;
                for (var i = 0; i < w.Values.Count; i++)
                {
                    var v = w.Values[i];
                    if (v < 0 || v > max)
                    {
                        Problem(string.Create(CultureInfo.InvariantCulture, $"{path}.values[{i}]"), $"value {v} out of range 0–{max}");
                    }
                    else
                    {
                        values.Add((ushort)v);
                    }
                }

                if (w.Address is { } a && a + w.Values.Count - 1 > 65535)
                {
                    Problem(path + ".values", "the write runs beyond address 65535");
                }
            }

            var count = w.Values?.Count ?? 0;
            byte function = table == RegisterTable.Coil ? (count == 1 ? (byte)5 : (byte)15) : (count == 1 ? (byte)6 : (byte)16);
            if (w.Function is { } f)
            {
                var valid = table == RegisterTable.Coil ? f == 15 || (f == 5 && count == 1) : f == 16 || (f == 6 && count == 1);
                if (!valid)
                {
                    Problem(path + ".function", $"function code {f} cannot write {count} value(s) to table '{w.Table}'");
                }
                else
                {
                    function = (byte)f;
                }
            }

            return Problems.Count > before ? null : (table!.Value, w.Address!.Value, values.ToImmutable(), function);
        }

        private static string TypeName(RegisterType type) => TypeNames.First(x => x.Value == type).Key;
    }

    internal static readonly FrozenDictionary<string, DeviceKind> KindNames = new Dictionary<string, DeviceKind>
    {
        ["ups"] = DeviceKind.Ups,
        ["generator"] = DeviceKind.Generator,
        ["ats"] = DeviceKind.Ats,
        ["pdu"] = DeviceKind.Pdu,
        ["meter"] = DeviceKind.Meter,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, RegisterTable> TableNames = new Dictionary<string, RegisterTable>
    {
        ["coil"] = RegisterTable.Coil,
        ["discrete"] = RegisterTable.DiscreteInput,
        ["input"] = RegisterTable.InputRegister,
        ["holding"] = RegisterTable.HoldingRegister,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, RegisterType> TypeNames = new Dictionary<string, RegisterType>
    {
        ["int16"] = RegisterType.Int16,
        ["uint16"] = RegisterType.UInt16,
        ["int32"] = RegisterType.Int32,
        ["uint32"] = RegisterType.UInt32,
        ["int64"] = RegisterType.Int64,
        ["uint64"] = RegisterType.UInt64,
        ["float32"] = RegisterType.Float32,
        ["float64"] = RegisterType.Float64,
        ["string"] = RegisterType.String,
        ["bool"] = RegisterType.Bool,
        ["bitfield"] = RegisterType.Bitfield,
        ["packed-alarms"] = RegisterType.PackedAlarms,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, WordOrder> WordOrderNames = new Dictionary<string, WordOrder>
    {
        ["ABCD"] = WordOrder.Abcd,
        ["CDAB"] = WordOrder.Cdab,
        ["BADC"] = WordOrder.Badc,
        ["DCBA"] = WordOrder.Dcba,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, PollClass> ClassNames = new Dictionary<string, PollClass>
    {
        ["fast"] = PollClass.Fast,
        ["slow"] = PollClass.Slow,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, SentinelResult> ResultNames = new Dictionary<string, SentinelResult>
    {
        ["absent"] = SentinelResult.Absent,
        ["bad"] = SentinelResult.Bad,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    internal static readonly FrozenDictionary<string, ValueFormat> FormatNames = new Dictionary<string, ValueFormat>
    {
        ["date2000"] = ValueFormat.DaysSince2000,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
