using System.Globalization;
using System.Text;

namespace PowerWatch.SerialUps.MegatecQ1;

/// <summary>
/// Megatec / Voltronic Q1 wire formats (SPEC-DEVICES §5, column indexes as in NUT's nutdrv_qx). Pure. This half is
/// the client's: commands out as bytes, a reply line (without its CR) in, values out; every failure is a
/// <see cref="MegatecQ1Exception"/>. The UPS's half (replies out, commands in) is in MegatecQ1Protocol.Replies.cs.
/// </summary>
public static partial class MegatecQ1Protocol
{
    /// <summary>
    /// Q1 reply length without the CR: SPEC-DEVICES §5 "Q1 reply (47 bytes including CR …)". A longer reply whose
    /// first 46 bytes are the standard fields is accepted (§5: "NUT rejects only replies that are too short").
    /// </summary>
    public const int StatusLength = 46;

    /// <summary>F reply length without the CR (22 with it).</summary>
    public const int RatingsLength = 21;

    /// <summary>I reply length without the CR (39 with it).</summary>
    public const int IdentityLength = 38;

    /// <summary>Bytes of a command: ASCII followed by CR.</summary>
    public static byte[] Command(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Length == 0 || command.Any(c => c is < ' ' or > '~'))
        {
            throw new ArgumentException($"Megatec command '{command}' must be printable ASCII.", nameof(command));
        }

        return Encoding.ASCII.GetBytes(command + "\r");
    }

    /// <summary>True when <paramref name="line"/> is the echo of <paramref name="command"/> (unknown command, §5).</summary>
    public static bool IsEcho(ReadOnlySpan<byte> line, string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (line.Length != command.Length)
        {
            return false;
        }

        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != command[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Parses <c>(MMM.M NNN.N PPP.P QQQ RR.R S.SS TT.T b7b6b5b4b3b2b1b0</c> (46 bytes without CR). The battery
    /// field may be SS.S or S.SS (per-cell / per-block variant); either parses to its value. Bytes after the
    /// standard fields (fields some UPSes append, §5) are ignored; a shorter line is refused.
    /// </summary>
    public static MegatecQ1Status ParseStatus(ReadOnlySpan<byte> line)
    {
        Expect(line, StatusLength, (byte)'(', "Q1", allowLonger: true);
        Separators(line, "Q1", 6, 12, 18, 22, 27, 32, 37);
        byte? bits = 0;
        var unavailable = false;
        for (var i = 0; i < 8; i++)
        {
            var c = line[38 + i];
            if (c == '@')
            {
                unavailable = true;
            }
            else if (c is (byte)'0' or (byte)'1')
            {
                bits = (byte)(bits!.Value | ((c - '0') << (7 - i)));
            }
            else
            {
                throw new MegatecQ1Exception(MegatecQ1Error.BadStatusBit, $"Q1 status bit b{7 - i} (column {38 + i}) is '{Show(c)}', not '0' or '1'.");
            }
        }

        return new MegatecQ1Status(
            Field(line, 1, 5, "Q1", "input voltage"),
            Field(line, 7, 5, "Q1", "input fault voltage"),
            Field(line, 13, 5, "Q1", "output voltage"),
            Field(line, 19, 3, "Q1", "load"),
            Field(line, 23, 4, "Q1", "input frequency"),
            Field(line, 28, 4, "Q1", "battery voltage"),
            Field(line, 33, 4, "Q1", "temperature"),
            unavailable ? null : bits);
    }

    /// <summary>Parses <c>#MMM.M QQQ SS.SS RR.R</c> (21 bytes without CR).</summary>
    public static MegatecQ1Ratings ParseRatings(ReadOnlySpan<byte> line)
    {
        Expect(line, RatingsLength, (byte)'#', "F");
        Separators(line, "F", 6, 10, 16);
        return new MegatecQ1Ratings(
            Field(line, 1, 5, "F", "rated voltage"),
            Field(line, 7, 3, "F", "rated current"),
            Field(line, 11, 5, "F", "battery voltage"),
            Field(line, 17, 4, "F", "rated frequency"));
    }

    /// <summary>Parses <c>#</c> + company (15) + ' ' + model (10) + ' ' + version (10): 38 bytes without CR.</summary>
    public static MegatecQ1Identity ParseIdentity(ReadOnlySpan<byte> line)
    {
        Expect(line, IdentityLength, (byte)'#', "I");
        Separators(line, "I", 16, 27);
        return new MegatecQ1Identity(Text(line.Slice(1, 15)), Text(line.Slice(17, 10)), Text(line.Slice(28, 10)));
    }

    /// <summary>
    /// Finds the reply inside a CR-terminated line that may carry garbage in front (line noise, a half reply
    /// left from a timed-out command): the reply starts at the last <paramref name="start"/> from which exactly
    /// <paramref name="length"/> bytes remain (at least <paramref name="length"/> when <paramref name="allowLonger"/>,
    /// for Q1 replies with appended fields). Returns the whole line when no such start exists.
    /// </summary>
    public static ReadOnlySpan<byte> Resync(ReadOnlySpan<byte> line, byte start, int length, bool allowLonger = false)
    {
        if (line.Length > length && line[^length] == start)
        {
            return line[^length..];
        }

        if (allowLonger && line.Length > length)
        {
            var at = line[1..^(length - 1)].LastIndexOf(start);
            if (at >= 0)
            {
                return line[(at + 1)..];
            }
        }

        return line;
    }

    /// <summary>True when <paramref name="reply"/> has the shape <see cref="Resync"/> looks for.</summary>
    public static bool HasShape(ReadOnlySpan<byte> reply, byte start, int length, bool allowLonger = false) =>
        (reply.Length == length || (allowLonger && reply.Length > length)) && reply[0] == start;

    private static void Expect(ReadOnlySpan<byte> line, int length, byte start, string command, bool allowLonger = false)
    {
        if (line.Length < length || (line.Length > length && !allowLonger))
        {
            var expected = allowLonger ? $"at least {length}" : $"{length}";
            throw new MegatecQ1Exception(MegatecQ1Error.WrongLength, $"{command} reply is {line.Length} bytes before CR, expected {expected}: '{Show(line)}'.");
        }

        if (line[0] != start)
        {
            throw new MegatecQ1Exception(MegatecQ1Error.BadStart, $"{command} reply starts with '{Show(line[0])}', expected '{(char)start}': '{Show(line)}'.");
        }
    }

    private static void Separators(ReadOnlySpan<byte> line, string command, params ReadOnlySpan<int> columns)
    {
        foreach (var col in columns)
        {
            if (line[col] != ' ')
            {
                throw new MegatecQ1Exception(MegatecQ1Error.BadSeparator, $"{command} reply has '{Show(line[col])}' at column {col} where a space separates fields: '{Show(line)}'.");
            }
        }
    }

    private static double? Field(ReadOnlySpan<byte> line, int column, int width, string command, string name)
    {
        var field = line.Slice(column, width);
        if (field.Contains((byte)'@'))
        {
            return null;
        }

        Span<char> chars = stackalloc char[width];
        for (var i = 0; i < width; i++)
        {
            chars[i] = (char)field[i];
        }

        if (!double.TryParse(chars, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite, CultureInfo.InvariantCulture, out var value))
        {
            throw new MegatecQ1Exception(MegatecQ1Error.BadField, $"{command} {name} (columns {column}-{column + width - 1}) is '{chars}', not a number.");
        }

        return value;
    }

    private static string Text(ReadOnlySpan<byte> field) => Encoding.ASCII.GetString(field).Trim();

    /// <summary>Printable form of reply bytes (for error messages and logs): non-printable bytes as \xNN.</summary>
    public static string Show(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            sb.Append(Show(b));
        }

        return sb.ToString();
    }

    private static string Show(byte b) => b is >= 0x20 and < 0x7F ? ((char)b).ToString() : string.Create(CultureInfo.InvariantCulture, $"\\x{b:X2}");
}
