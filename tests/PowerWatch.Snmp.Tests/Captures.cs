using System.Globalization;

namespace PowerWatch.Snmp.Tests;

/// <summary>
/// The net-snmp packet captures in testdata/captures: the verbatim <c>-d</c> output of Debian net-snmp 5.9.3 tools
/// against a local snmpd 5.9.3 (produced by testdata/captures/capture.sh with the snmpd.conf next to it).
/// </summary>
internal static class Captures
{
    /// <summary>The packets of one capture, in order: (true = sent by the tool, bytes).</summary>
    public static List<(bool Sent, byte[] Bytes)> Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "testdata", "captures", name + ".txt");
        var packets = new List<(bool, byte[])>();
        List<byte>? current = null;
        var sent = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("Sending ", StringComparison.Ordinal) || line.StartsWith("Received ", StringComparison.Ordinal))
            {
                current = [];
                sent = line.StartsWith("Sending", StringComparison.Ordinal);
                packets.Add((sent, []));
                continue;
            }

            // "0016: 04 17 3A B6  2E 02 01 00  02 01 00 30  0E 30 0C 06    ..:........0.0.."
            if (current is not null && line.Length > 6 && line[4] == ':' && char.IsAsciiDigit(line[0]))
            {
                var hex = line.Substring(6, Math.Min(line.Length - 6, 53));
                foreach (var token in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    current.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }

                packets[^1] = (sent, [.. current]);
            }
        }

        return packets;
    }

    public static byte[] Sent(string name, int index = 0) => Load(name).Where(p => p.Sent).ElementAt(index).Bytes;

    public static byte[] Received(string name, int index = 0) => Load(name).Where(p => !p.Sent).ElementAt(index).Bytes;

    public static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));
}
