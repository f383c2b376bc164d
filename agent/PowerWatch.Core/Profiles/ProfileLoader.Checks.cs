using System.Collections.Immutable;
using System.Globalization;

namespace PowerWatch.Core.Profiles;

public static partial class ProfileLoader
{
    /// <summary>Cross-checks over all registers (overlaps, duplicate metrics, limitBy) and the derived metrics built on them.</summary>
    private sealed partial class Builder
    {
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
                    if (bit.Metric is not null && bit.Token is null)
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

            // Token bits build one text metric from words of any number of bits and registers (like status bits).
            foreach (var metric in registers.SelectMany(r => r.Bits).Where(b => b.Token is not null).Select(b => b.Metric!).Distinct(StringComparer.Ordinal))
            {
                Add(metric, "$.registers (token bits)");
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
                        Problem(path + ".metric", $"metric '{metric}' is not in the metric catalogue{RenameHint(metric)}");
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
    }
}
