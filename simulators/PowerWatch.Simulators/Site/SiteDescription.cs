using System.Text.Json;
using System.Text.Json.Serialization;

namespace PowerWatch.Simulators;

/// <summary>
/// A site file (options are read once by <see cref="Site.Create"/>; changing them afterwards has no defined effect): utility → ATS ← generator; ATS → UPS → PDUs (+ a meter). Every section and key is optional;
/// the defaults are the demo site (one utility, one ATS, one generator with a 500 L tank, a 10 kW UPS, two PDUs
/// with 8 outlets each, one meter on the ATS output). Durations are "hh:mm:ss" strings.
/// </summary>
public sealed class SiteDescription
{
    public string Name { get; set; } = "demo";

    /// <summary>Seed of the site's random generator (outlet loads and noise).</summary>
    public int Seed { get; set; } = 1;

    public UtilityOptions Utility { get; set; } = new();

    public AtsOptions Ats { get; set; } = new();

    public GeneratorOptions Generator { get; set; } = new();

    public UpsOptions Ups { get; set; } = new();

    public IReadOnlyList<PduOptions> Pdus { get; set; } = [new() { Name = "pdu1" }, new() { Name = "pdu2" }];

    /// <summary>Optional power meter; null for none.</summary>
    public MeterOptions? Meter { get; set; } = new();

    /// <summary>Parses a site file (JSON; comments and trailing commas allowed; unknown keys rejected).</summary>
    public static SiteDescription Parse(string json)
    {
        SiteDescription? description;
        try
        {
            description = JsonSerializer.Deserialize(json, SiteJsonContext.Default.SiteDescription);
        }
        catch (JsonException ex)
        {
            throw new SiteConfigurationException($"site file: {ex.Message}", ex);
        }

        if (description is null)
        {
            throw new SiteConfigurationException("site file: empty document");
        }

        description.Validate();
        return description;
    }

    /// <summary>Reads and parses a site file.</summary>
    public static async Task<SiteDescription> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(json);
    }

    /// <summary>Serialises the description (e.g. to write the demo site as a starting point).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SiteJsonContext.Default.SiteDescription);

    /// <summary>Checks every value; the message names the offending key.</summary>
    public void Validate()
    {
        Utility.Validate("utility");
        Ats.Validate("ats");
        Generator.Validate("generator");
        Ups.Validate("ups");
        for (var i = 0; i < Pdus.Count; i++)
        {
            Pdus[i].Validate($"pdus[{i}]");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<string> all = [Utility.Name, Ats.Name, Generator.Name, Ups.Name, .. Pdus.Select(p => p.Name)];
        if (Meter is not null)
        {
            all = all.Append(Meter.Name);
        }

        foreach (var name in all)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Contains('.', StringComparison.Ordinal) || name.Contains(' ', StringComparison.Ordinal))
            {
                throw new SiteConfigurationException($"device name '{name}' must be non-empty without dots or spaces");
            }

            if (!names.Add(name))
            {
                throw new SiteConfigurationException($"device name '{name}' is used twice");
            }
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UseStringEnumConverter = true,
    WriteIndented = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SiteDescription))]
internal sealed partial class SiteJsonContext : JsonSerializerContext;
