using System.Buffers;
using System.Globalization;

namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>
/// The UPS's half of the Q1 wire formats (SPEC-DEVICES §5): values in, reply bytes (with their CR) out; commands in.
/// Used by the simulators' Q1 face. Null values are written as '@' (field unavailable), as is NaN.
/// </summary>
public static partial class MegatecQ1Protocol
{
    /// <summary><c>(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0\r</c>: 47 bytes with the CR (§5).</summary>
    public static void WriteStatus(IBufferWriter<byte> output, MegatecQ1Status s)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(s);
        const int length = StatusLength + 1;
        var span = output.GetSpan(length)[..length];
        span[0] = (byte)'(';
        Fixed(span.Slice(1, 5), s.InputVoltage, 1);
        span[6] = (byte)' ';
        Fixed(span.Slice(7, 5), s.InputFaultVoltage, 1);
        span[12] = (byte)' ';
        Fixed(span.Slice(13, 5), s.OutputVoltage, 1);
        span[18] = (byte)' ';
        Fixed(span.Slice(19, 3), s.Load, 0);
        span[22] = (byte)' ';
        Fixed(span.Slice(23, 4), s.InputFrequency, 1);
        span[27] = (byte)' ';
        BatteryField(span.Slice(28, 4), s.BatteryVoltage);
        span[32] = (byte)' ';
        Fixed(span.Slice(33, 4), s.Temperature, 1);
        span[37] = (byte)' ';
        for (var bit = 7; bit >= 0; bit--)
        {
            span[38 + (7 - bit)] = s.Bits is not { } bits ? (byte)'@' : (bits & (1 << bit)) != 0 ? (byte)'1' : (byte)'0';
        }

        span[StatusLength] = (byte)'\r';
        output.Advance(length);
    }

    /// <summary><c>#MMM.M QQQ SS.SS RR.R\r</c>: 22 bytes with the CR (§5).</summary>
    public static void WriteRatings(IBufferWriter<byte> output, MegatecQ1Ratings r)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(r);
        const int length = RatingsLength + 1;
        var span = output.GetSpan(length)[..length];
        span[0] = (byte)'#';
        Fixed(span.Slice(1, 5), r.Voltage, 1);
        span[6] = (byte)' ';
        Fixed(span.Slice(7, 3), r.Current, 0);
        span[10] = (byte)' ';
        Fixed(span.Slice(11, 5), r.BatteryVoltage, r.BatteryVoltage < 99.995 ? 2 : 1);
        span[16] = (byte)' ';
        Fixed(span.Slice(17, 4), r.Frequency, 1);
        span[RatingsLength] = (byte)'\r';
        output.Advance(length);
    }

    /// <summary>
    /// <c>#</c> + manufacturer (15) + space + model (10) + space + firmware (10) + CR: 39 bytes (cut or space-padded;
    /// what nutdrv_qx requires: PEERS.md).
    /// </summary>
    public static void WriteIdentity(IBufferWriter<byte> output, MegatecQ1Identity identity)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(identity);
        const int length = IdentityLength + 1;
        var span = output.GetSpan(length)[..length];
        span.Fill((byte)' ');
        span[0] = (byte)'#';
        Text(span.Slice(1, 15), identity.Manufacturer);
        Text(span.Slice(17, 10), identity.Model);
        Text(span.Slice(28, 10), identity.Firmware);
        span[IdentityLength] = (byte)'\r';
        output.Advance(length);
    }

    /// <summary>
    /// Parses <c>S&lt;n&gt;</c> or <c>S&lt;n&gt;R&lt;m&gt;</c>: n = <c>.1</c>–<c>.9</c> or <c>00</c>–<c>99</c> minutes, m = four digits
    /// (<c>0000</c> = stay off). <paramref name="restoreAfter"/> is null without an R part.
    /// </summary>
    public static bool TryParseShutdown(ReadOnlySpan<byte> command, out TimeSpan delay, out TimeSpan? restoreAfter)
    {
        delay = default;
        restoreAfter = null;
        if (command.Length is not (3 or 8) || command[0] != 'S')
        {
            return false;
        }

        var n = command.Slice(1, 2);
        if (n[0] == '.' && IsDigit(n[1]))
        {
            delay = TimeSpan.FromSeconds((n[1] - '0') * 6);
        }
        else if (IsDigit(n[0]) && IsDigit(n[1]))
        {
            delay = TimeSpan.FromMinutes(((n[0] - '0') * 10) + (n[1] - '0'));
        }
        else
        {
            return false;
        }

        if (command.Length == 3)
        {
            return true;
        }

        if (command[3] != 'R')
        {
            return false;
        }

        var minutes = 0;
        foreach (var c in command[4..])
        {
            if (!IsDigit(c))
            {
                return false;
            }

            minutes = (minutes * 10) + (c - '0');
        }

        restoreAfter = TimeSpan.FromMinutes(minutes);
        return true;
    }

    /// <summary>Parses <c>T&lt;nn&gt;</c> (test for nn minutes, 01–99).</summary>
    public static bool TryParseTimedTest(ReadOnlySpan<byte> command, out int minutes)
    {
        minutes = 0;
        if (command.Length != 3 || command[0] != 'T' || !IsDigit(command[1]) || !IsDigit(command[2]))
        {
            return false;
        }

        minutes = ((command[1] - '0') * 10) + (command[2] - '0');
        return minutes > 0;
    }

    /// <summary>
    /// The 4-character battery field: <c>S.SS</c> below 10 V, <c>SS.S</c> below 100 V, else whole volts with a trailing
    /// point (<c>218.</c>), so a 192 V string still fits and parses (strtod) as the string voltage.
    /// </summary>
    private static void BatteryField(Span<byte> field, double? battery)
    {
        var value = battery ?? double.NaN;
        if (double.IsNaN(value) || value < 99.95)
        {
            Fixed(field, value, !double.IsNaN(value) && value < 9.995 ? 2 : 1);
            return;
        }

        Fixed(field[..3], value, 0);
        field[3] = (byte)'.';
    }

    /// <summary>Writes <paramref name="number"/> right-aligned with leading zeros, clamped to what fits; null or NaN as '@'.</summary>
    private static void Fixed(Span<byte> field, double? number, int decimals)
    {
        var value = number ?? double.NaN;
        if (double.IsNaN(value))
        {
            field.Fill((byte)'@');
            return;
        }

        var integerDigits = decimals == 0 ? field.Length : field.Length - decimals - 1;
        var max = Math.Pow(10, integerDigits) - Math.Pow(10, -decimals);
        var clamped = Math.Clamp(value, 0, max);
        Span<char> chars = stackalloc char[32];
        var ok = clamped.TryFormat(chars, out var written, decimals == 0 ? "F0" : decimals == 1 ? "F1" : "F2", CultureInfo.InvariantCulture);
        if (!ok || written > field.Length)
        {
            field.Fill((byte)'@');
            return;
        }

        var pad = field.Length - written;
        field[..pad].Fill((byte)'0');
        for (var i = 0; i < written; i++)
        {
            field[pad + i] = (byte)chars[i];
        }
    }

    private static void Text(Span<byte> field, string text)
    {
        var n = Math.Min(field.Length, text.Length);
        for (var i = 0; i < n; i++)
        {
            var c = text[i];
            field[i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
        }
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
