using PowerWatch.Agent.Inputs.ApcSmart;
using PowerWatch.SerialUps.ApcSmart;
using PowerWatch.SerialUps.MegatecQ1;

namespace PowerWatch.Fuzz.Targets;

/// <summary>Megatec Q1 and APC Smart (agent/PowerWatch.SerialUps and the agent's inputs that map their replies).</summary>
internal static class SerialUpsTargets
{
    private static readonly byte[] ApcCommands = [ApcSmartProtocol.Model, (byte)'n', (byte)'b', (byte)'j', (byte)'Q', (byte)'f', (byte)'L', (byte)'O'];

    public static IEnumerable<FuzzTarget> All =>
    [
        new()
        {
            Name = "megatec-q1",
            Parser = "each CR-terminated line through Resync/HasShape and ParseStatus, ParseRatings, ParseIdentity; the UPS side's TryParseShutdown/TryParseTimedTest",
            Entry = MegatecQ1,
            Expected = static e => e is MegatecQ1Exception,
        },
        new()
        {
            Name = "apc-smart",
            Parser = "ApcSmartFramer.Feed (alerts and lines), each line through ApcSmartInput.Map for every polled command and ApcSmartUpsStatus",
            Entry = ApcSmart,
            Expected = static _ => false,
        },
    ];

    private static void MegatecQ1(ReadOnlySpan<byte> input)
    {
        _ = MegatecQ1Protocol.TryParseShutdown(input, out _, out _);
        _ = MegatecQ1Protocol.TryParseTimedTest(input, out _);
        while (!input.IsEmpty)
        {
            var cr = input.IndexOf((byte)'\r');
            var line = cr < 0 ? input : input[..cr];
            input = cr < 0 ? [] : input[(cr + 1)..];
            Parse(line, (byte)'(', MegatecQ1Protocol.StatusLength, allowLonger: true, static l => MegatecQ1Protocol.ParseStatus(l));
            Parse(line, (byte)'#', MegatecQ1Protocol.RatingsLength, allowLonger: false, static l => MegatecQ1Protocol.ParseRatings(l));
            Parse(line, (byte)'#', MegatecQ1Protocol.IdentityLength, allowLonger: false, static l => MegatecQ1Protocol.ParseIdentity(l));
        }
    }

    /// <summary>As MegatecQ1Client reads a reply: resynchronise on the start byte, then parse (whatever the shape).</summary>
    private static void Parse(ReadOnlySpan<byte> line, byte start, int length, bool allowLonger, LineParser parse)
    {
        var reply = MegatecQ1Protocol.Resync(line, start, length, allowLonger);
        _ = MegatecQ1Protocol.HasShape(reply, start, length, allowLonger);
        try
        {
            parse(reply);
        }
        catch (MegatecQ1Exception)
        {
        }
    }

    private static void ApcSmart(ReadOnlySpan<byte> input)
    {
        var framer = new ApcSmartFramer();
        var lines = 0;
        framer.Feed(
            input,
            _ => { },
            line =>
            {
                lines++;
                foreach (var command in ApcCommands)
                {
                    ApcSmartInput.Map("ups", command, "ups.load", line, DateTimeOffset.UnixEpoch, 1);
                }
            });
        if (lines > input.Length)
        {
            throw new FuzzPropertyException($"{lines} lines from {input.Length} bytes");
        }

        _ = framer.Pending;
    }

    private delegate void LineParser(ReadOnlySpan<byte> line);
}
