using System.Buffers;

namespace PowerWatch.Modbus.Tests;

/// <summary>Parsers never throw anything but their own protocol exceptions, and the server handler never throws.</summary>
public sealed class FuzzTests
{
    private static IEnumerable<byte[]> Inputs(int seed, int count)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length > 2 && random.Next(3) == 0)
            {
                // Make plausible headers more likely: a known function code in position 0/1.
                byte[] codes = [1, 2, 3, 4, 5, 6, 15, 16, 23, 43, 0x83];
                bytes[0] = codes[random.Next(codes.Length)];
                bytes[1] = codes[random.Next(codes.Length)];
            }

            yield return bytes;
        }
    }

    [Fact]
    public void Random_bytes_never_break_the_framers()
    {
        var pdu = new byte[ModbusLimits.MaxPduLength];
        foreach (var bytes in Inputs(1, 3000))
        {
            var tcp = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (ModbusTcpFramer.TryDecode(ref tcp, out var frame))
                {
                    Assert.InRange(frame.Pdu.Length, 1, ModbusLimits.MaxPduLength);
                }
            }
            catch (ModbusProtocolException)
            {
            }

            var rtu = new ReadOnlySequence<byte>(bytes);
            while (ModbusRtuFramer.TryDecodeRequest(ref rtu, out var request, out _))
            {
                Assert.InRange(request.Pdu.Length, 1, ModbusLimits.MaxPduLength);
            }

            rtu = new ReadOnlySequence<byte>(bytes);
            ModbusRtuFramer.TryDecodeResponse(ref rtu, bytes.Length > 0 ? bytes[0] : (byte)1, ModbusFunctionCode.ReadHoldingRegisters, out _, out _);
            ModbusRtuFramer.ClassifyIncompleteResponse(new ReadOnlySequence<byte>(bytes), 1, ModbusFunctionCode.EncapsulatedInterface);
            ModbusRtuFramer.TryDecodeWhole(new ReadOnlySequence<byte>(bytes), out _);

            var ascii = new ReadOnlySequence<byte>(bytes.Select(b => (byte)"0123456789ABCDEF:\r\n"[b % 19]).ToArray());
            for (var guard = 0; guard < 400 && !ascii.IsEmpty; guard++)
            {
                try
                {
                    if (!ModbusAsciiFramer.TryDecode(ref ascii, pdu, out _, out _))
                    {
                        break;
                    }
                }
                catch (ModbusProtocolException)
                {
                }
            }
        }
    }

    [Fact]
    public void Random_reply_pdus_only_raise_modbus_exceptions()
    {
        foreach (var bytes in Inputs(2, 3000))
        {
            Check(() => ModbusPdu.ReadRegistersResponse(bytes, ModbusFunctionCode.ReadHoldingRegisters, new ushort[3]));
            Check(() => ModbusPdu.ReadBitsResponse(bytes, ModbusFunctionCode.ReadCoils, new bool[10]));
            Check(() => ModbusPdu.ReadDeviceIdentificationResponse(bytes));
            Check(() => ModbusPdu.CheckWriteMultipleResponse(bytes, ModbusFunctionCode.WriteMultipleCoils, 1, 2));
            Assert.True(ModbusPdu.GetResponsePduLength(bytes) >= -1);
        }

        static void Check(Action parse)
        {
            try
            {
                parse();
            }
            catch (ModbusCommunicationException)
            {
            }
        }
    }

    [Fact]
    public void Random_request_pdus_always_get_a_reply_that_fits_the_pdu()
    {
        var store = new ModbusDataStore(allDefined: true);
        var handler = new ModbusDataStoreHandler(store);
        handler.SetDeviceIdObject(0, "V");
        foreach (var bytes in Inputs(3, 3000))
        {
            var request = bytes.Length > ModbusLimits.MaxPduLength ? bytes[..ModbusLimits.MaxPduLength] : bytes;
            var response = new ArrayBufferWriter<byte>();
            Assert.True(handler.TryHandle(1, request, response));
            Assert.InRange(response.WrittenCount, 2, ModbusLimits.MaxPduLength);
        }
    }
}
