using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace PowerWatch.Core.Profiles;

/// <summary>
/// Loads and validates device profiles (schema <c>powerwatch-profile/1</c>). Validation reports every problem it
/// finds, each with file name, JSON path and reason; a profile with any problem is not returned.
/// </summary>
public static partial class ProfileLoader
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
            // Bad syntax: where the reader stopped. A value of the wrong type: its key (the reader stops after the value).
            var (line, column) = ex.Message.StartsWith(WrongType, StringComparison.Ordinal) && ex.Path is { } path
                ? JsonPositions.Of(json).Find(path)
                : ((int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1);
            return new ProfileLoadResult(source, null, [new ProfileProblem(source, ex.Path ?? "$", "invalid JSON: " + JsonReason(ex.Message)) { Line = line, Column = column }]);
        }

        if (dto is null)
        {
            return new ProfileLoadResult(source, null, [new ProfileProblem(source, "$", "the document is null; expected a profile object") { Line = 1, Column = 1 }]);
        }

        var builder = new Builder(source);
        var profile = builder.Build(dto);
        if (builder.Problems.Count == 0)
        {
            return new ProfileLoadResult(source, profile, []);
        }

        // Every problem at its place in the file: the line and column of the key (or element) its path names.
        var positions = JsonPositions.Of(json);
        return new ProfileLoadResult(source, null, [.. builder.Problems.Select(p =>
        {
            var (line, column) = positions.Find(p.Path);
            return p with { Line = line, Column = column };
        })]);
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

    private const string WrongType = "The JSON value could not be converted to ";

    /// <summary>
    /// The reader's reason without its location tail; a value of the wrong type says what was expected
    /// (<c>expected a whole number</c>) instead of the .NET type it could not be converted to.
    /// </summary>
    private static string JsonReason(string message)
    {
        var i = message.IndexOf(" Path:", StringComparison.Ordinal);
        var reason = (i > 0 ? message[..i] : message).TrimEnd().TrimEnd('.');
        if (!reason.StartsWith(WrongType, StringComparison.Ordinal))
        {
            return reason;
        }

        var type = reason[WrongType.Length..];
        var expected =
            type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) || type.Contains("UInt16", StringComparison.Ordinal) || type.Contains("Byte", StringComparison.Ordinal) ? "a whole number"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : type.Contains("String", StringComparison.Ordinal) && !type.Contains('[', StringComparison.Ordinal) ? "a string in double quotes"
            : type.Contains("List", StringComparison.Ordinal) || type.Contains("[]", StringComparison.Ordinal) ? "a list [ … ]"
            : type.Contains("Dictionary", StringComparison.Ordinal) || type.Contains("Dto", StringComparison.Ordinal) ? "an object { … }"
            : "a value of type " + type;
        return $"expected {expected}";
    }

    /// <summary>
    /// Builds one profile from its DTO, collecting every problem (file, JSON path, reason). The parts: scalars
    /// (ProfileLoader.Scalars.cs), registers (ProfileLoader.Registers.cs), commands (ProfileLoader.Commands.cs),
    /// cross-checks and derived metrics (ProfileLoader.Checks.cs), names (ProfileLoader.Names.cs), the SNMP objects and
    /// tables of a <c>"protocol": "snmp"</c> profile (ProfileLoader.Snmp.cs).
    /// </summary>
    private sealed partial class Builder(string source)
    {
        private readonly Dictionary<string, ImmutableArray<Sentinel>> _sentinelSets = new(StringComparer.Ordinal);

        public List<ProfileProblem> Problems { get; } = [];

        private void Problem(string path, string reason) => Problems.Add(new ProfileProblem(source, path, reason));

        /// <summary>" (renamed to the NUT name 'x')" when <paramref name="metric"/> is a name from before the NUT renames.</summary>
        private static string RenameHint(string metric) =>
            MetricRenames.TryFind(metric, out var r)
                ? r.OldNameReused
                    ? $" (NUT's '{r.Old}' is {(MetricCatalog.TryFind(r.Old, out var d) ? d.Unit : "?")}; the old meaning is now '{r.New}')"
                    : $" (renamed to the NUT name '{r.New}'{(r.Note.Length > 0 ? "; " + r.Note : string.Empty)})"
                : string.Empty;

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
            var provenance = BuildProvenance(dto.Provenance);

            if (dto.SentinelSets is not null)
            {
                foreach (var (name, entries) in dto.SentinelSets)
                {
                    _sentinelSets[name] = BuildSentinels(name, entries);
                }
            }

            var protocol = ParseEnum(dto.Protocol, "$.protocol", ProtocolNames, required: false) ?? ProfileProtocol.Modbus;
            var registers = ImmutableArray.CreateBuilder<RegisterDefinition>();
            SnmpProfileMap? snmp = null;
            if (protocol == ProfileProtocol.Snmp)
            {
                snmp = BuildSnmp(dto, defaultClass);
            }
            else if (dto.Registers is null || dto.Registers.Count == 0)
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

            if (protocol == ProfileProtocol.Modbus)
            {
                CheckNoSnmp(dto);
            }

            CheckOverlaps(registers);
            var emitted = snmp is null ? CheckDuplicateMetrics(registers) : CheckDuplicateMetrics(snmp);
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
                    Provenance = provenance,
                    Source = source,
                    UnitId = unitId,
                    Registers = registers.ToImmutable(),
                    Derived = derived,
                    Commands = commands,
                    Workarounds = workarounds,
                    Protocol = protocol,
                    Snmp = snmp,
                };
        }

        private ImmutableArray<string> BuildProvenance(List<string>? lines)
        {
            if (lines is null)
            {
                return [];
            }

            for (var i = 0; i < lines.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(lines[i]))
                {
                    Problem(string.Create(CultureInfo.InvariantCulture, $"$.provenance[{i}]"), "empty statement (say which source, which rows are verified, which are not)");
                }
            }

            return [.. lines];
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
    }
}
