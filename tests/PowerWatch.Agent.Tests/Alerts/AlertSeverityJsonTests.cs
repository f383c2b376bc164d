using System.Text.Json;
using PowerWatch.Agent.Alerts;
using PowerWatch.Core.Alerts;

namespace PowerWatch.Agent.Tests.Alerts;

public sealed class AlertSeverityJsonTests
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new AlertSeverityJsonConverter() } };

    [Theory]
    [InlineData(AlertSeverity.Info, "\"info\"")]
    [InlineData(AlertSeverity.Warning, "\"warning\"")]
    [InlineData(AlertSeverity.Critical, "\"critical\"")]
    public void Severity_is_written_with_its_wire_name(AlertSeverity severity, string json) =>
        Assert.Equal(json, JsonSerializer.Serialize(severity, Options));

    [Theory]
    [InlineData("\"critical\"", AlertSeverity.Critical)]
    [InlineData("\"Critical\"", AlertSeverity.Critical)] // state files written before the wire spelling
    [InlineData("\"WARNING\"", AlertSeverity.Warning)]
    public void Severity_is_read_in_any_case(string json, AlertSeverity expected) =>
        Assert.Equal(expected, JsonSerializer.Deserialize<AlertSeverity>(json, Options));

    [Theory]
    [InlineData("\"severe\"")]
    [InlineData("\"7\"")]
    [InlineData("2")]
    public void Unknown_severity_is_refused_with_the_allowed_names(string json)
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AlertSeverity>(json, Options));
        Assert.Contains("info, warning, critical", ex.Message, StringComparison.Ordinal);
    }
}
