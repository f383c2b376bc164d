using System.Globalization;
using System.Text;

namespace PowerWatch.Agent.Status;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: per family one <c># HELP</c> and one <c># TYPE</c> line, then
/// its samples. HELP text escapes backslash and line feed; label values escape backslash, double quote and line feed.
/// Numbers are written invariantly; non-finite values as <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.
/// </summary>
internal sealed class PrometheusWriter
{
    private readonly StringBuilder _sb = new();

    public void Family(string name, string type, string help)
    {
        _sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, (string Name, string Value)[] labels, double value) =>
        SampleText(name, labels, Format(value));

    public void Sample(string name, (string Name, string Value)[] labels, long value) =>
        SampleText(name, labels, value.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => _sb.ToString();

    internal static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    internal static string EscapeHelp(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A metric name from a reading name: every character outside [A-Za-z0-9_] becomes '_'.</summary>
    internal static string Sanitize(string metric)
    {
        var chars = metric.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsAsciiLetterOrDigit(chars[i]) && chars[i] != '_')
            {
                chars[i] = '_';
            }
        }

        return new string(chars);
    }

    private void SampleText(string name, (string Name, string Value)[] labels, string value)
    {
        _sb.Append(name);
        if (labels.Length > 0)
        {
            _sb.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _sb.Append(',');
                }

                _sb.Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }

            _sb.Append('}');
        }

        _sb.Append(' ').Append(value).Append('\n');
    }
}
