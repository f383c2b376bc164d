using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;

namespace PowerWatch.Core.Profiles;

public static partial class ProfileLoader
{
    /// <summary>Commands: <c>$.commands</c> and their writes.</summary>
    private sealed partial class Builder
    {
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
    }
}
