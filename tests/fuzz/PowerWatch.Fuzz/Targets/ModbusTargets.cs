using System.Buffers;
using PowerWatch.Modbus;

namespace PowerWatch.Fuzz.Targets;

/// <summary>Modbus TCP / RTU / ASCII framers and the PDU decoders of both sides (agent/PowerWatch.Modbus).</summary>
internal static class ModbusTargets
{
    // One server for every input: a store of all four 65,536-entry tables is 650 KB, built once (writes persist).
    private static readonly Lazy<ModbusDataStoreHandler> Handler = new(() => new ModbusDataStoreHandler(new ModbusDataStore(allDefined: true)));

    private static bool Protocol(Exception e) => e is ModbusProtocolException;

    private static bool ProtocolOrDeviceException(Exception e) => e is ModbusProtocolException or ModbusException;

    public static IEnumerable<FuzzTarget> All =>
    [
        new()
        {
            Name = "modbus-tcp",
            Parser = "ModbusTcpFramer.TryDecode (MBAP) over a split buffer, each PDU through the reply decoders",
            Entry = Tcp,
            Expected = ProtocolOrDeviceException,
        },
        new()
        {
            Name = "modbus-rtu",
            Parser = "ModbusRtuFramer: TryDecodeRequest, TryDecodeResponse, ClassifyIncompleteResponse, TryDecodeWhole",
            Entry = Rtu,
            Expected = Protocol,
        },
        new()
        {
            Name = "modbus-ascii",
            Parser = "ModbusAsciiFramer.TryDecode until the buffer is drained",
            Entry = Ascii,
            Expected = Protocol,
        },
        new()
        {
            Name = "modbus-pdu",
            Parser = "ModbusPdu reply decoders (client) and TryParseRequest + ModbusDataStoreHandler (server)",
            Entry = Pdu,
            Expected = ProtocolOrDeviceException,
        },
    ];

    private static void Tcp(ReadOnlySpan<byte> input)
    {
        var buffer = Sequences.Split(input);
        Sequences.Drain(ref buffer, "ModbusTcpFramer.TryDecode", (ref ReadOnlySequence<byte> b) =>
        {
            if (!ModbusTcpFramer.TryDecode(ref b, out var frame))
            {
                return false;
            }

            if (frame.Pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
            {
                throw new FuzzPropertyException($"MBAP frame with a {frame.Pdu.Length}-byte PDU");
            }

            ClientReplies(frame.Pdu.ToArray());
            return true;
        });
    }

    private static void Rtu(ReadOnlySpan<byte> input)
    {
        var buffer = Sequences.Split(input);
        Sequences.Drain(ref buffer, "ModbusRtuFramer.TryDecodeRequest", (ref ReadOnlySequence<byte> b) =>
        {
            if (!ModbusRtuFramer.TryDecodeRequest(ref b, out var request, out _))
            {
                return false;
            }

            if (request.Pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
            {
                throw new FuzzPropertyException($"RTU request with a {request.Pdu.Length}-byte PDU");
            }

            return true;
        });

        var unit = input.Length > 0 ? input[0] : (byte)1;
        var function = (ModbusFunctionCode)(input.Length > 1 ? input[1] & 0x7F : 3);
        buffer = Sequences.Split(input);
        Sequences.Drain(ref buffer, "ModbusRtuFramer.TryDecodeResponse", (ref ReadOnlySequence<byte> b) =>
            ModbusRtuFramer.TryDecodeResponse(ref b, unit, function, out _, out _));
        ModbusRtuFramer.ClassifyIncompleteResponse(Sequences.Split(input), unit, function);
        ModbusRtuFramer.TryDecodeWhole(Sequences.Split(input), out _);
    }

    private static void Ascii(ReadOnlySpan<byte> input)
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        var buffer = Sequences.Split(input);
        while (!buffer.IsEmpty)
        {
            var before = buffer.Length;
            try
            {
                if (!ModbusAsciiFramer.TryDecode(ref buffer, pdu, out var frame, out _))
                {
                    return;
                }

                if (frame.Pdu.Length is < 1 or > ModbusLimits.MaxPduLength)
                {
                    throw new FuzzPropertyException($"ASCII frame with a {frame.Pdu.Length}-byte PDU");
                }
            }
            catch (ModbusProtocolException)
            {
                // A bad frame is consumed before the throw; the next frame is decoded after it.
            }

            if (buffer.Length >= before)
            {
                throw new FuzzPropertyException($"ModbusAsciiFramer.TryDecode made no progress ({before} bytes left)");
            }
        }
    }

    private static void Pdu(ReadOnlySpan<byte> input)
    {
        ClientReplies(input);
        var handler = Handler.Value;
        var request = input.Length > ModbusLimits.MaxPduLength ? input[..ModbusLimits.MaxPduLength] : input;
        var response = new ArrayBufferWriter<byte>();
        if (handler.TryHandle(1, request, response) && response.WrittenCount is < 2 or > ModbusLimits.MaxPduLength)
        {
            throw new FuzzPropertyException($"server reply of {response.WrittenCount} bytes");
        }

        ModbusPdu.TryParseRequest(request, out _);
        _ = ModbusPdu.GetRequestPduLength(input);
    }

    /// <summary>Every client-side decoder of a reply PDU, each on its own (one failing does not hide the next).</summary>
    private static void ClientReplies(ReadOnlySpan<byte> pdu)
    {
        // An impossible length (over 253) is a valid answer: the RTU framer skips that candidate.
        var length = ModbusPdu.GetResponsePduLength(pdu);
        if (length < -1)
        {
            throw new FuzzPropertyException($"GetResponsePduLength = {length}");
        }

        var quantity = pdu.Length > 1 ? pdu[1] : 0;
        Try(pdu, static p => ModbusPdu.ReadRegistersResponse(p, ModbusFunctionCode.ReadHoldingRegisters, new ushort[Math.Min(125, Math.Max(1, p.Length > 1 ? p[1] / 2 : 1))]));
        Try(pdu, static p => ModbusPdu.ReadBitsResponse(p, ModbusFunctionCode.ReadCoils, new bool[Math.Max(1, (p.Length > 1 ? p[1] : 1) * 8)]));
        Try(pdu, static p => ModbusPdu.ReadDeviceIdentificationResponse(p));
        Try(pdu, p => ModbusPdu.CheckWriteMultipleResponse(p, ModbusFunctionCode.WriteMultipleRegisters, 0, Math.Max(1, quantity)));
        Try(pdu, static p => ModbusPdu.ThrowIfException(p, ModbusFunctionCode.ReadInputRegisters));
    }

    private static void Try(ReadOnlySpan<byte> pdu, ReadOnlySpanAction action)
    {
        try
        {
            action(pdu);
        }
        catch (Exception e) when (ProtocolOrDeviceException(e))
        {
        }
    }

    private delegate void ReadOnlySpanAction(ReadOnlySpan<byte> pdu);
}
