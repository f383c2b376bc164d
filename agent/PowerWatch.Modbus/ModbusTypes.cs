namespace PowerWatch.Modbus;

/// <summary>Modbus function codes supported by this library (SPEC §1.1). Values are wire-visible and frozen.</summary>
public enum ModbusFunctionCode : byte
{
    /// <summary>No function (never sent).</summary>
    None = 0x00,
    ReadCoils = 0x01,
    ReadDiscreteInputs = 0x02,
    ReadHoldingRegisters = 0x03,
    ReadInputRegisters = 0x04,
    WriteSingleCoil = 0x05,
    WriteSingleRegister = 0x06,
    WriteMultipleCoils = 0x0F,
    WriteMultipleRegisters = 0x10,
    ReadWriteMultipleRegisters = 0x17,
    /// <summary>Encapsulated interface transport (MEI); with MEI type 0x0E it is Read Device Identification.</summary>
    EncapsulatedInterface = 0x2B,
}

/// <summary>Modbus exception codes (SPEC §1.1, LMB enum). Values are wire-visible and frozen.</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>Not an exception (never on the wire).</summary>
    None = 0x00,
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    NegativeAcknowledge = 0x07,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetFailedToRespond = 0x0B,
}

/// <summary>Read Device Identification access codes (SPEC §1.1, 43/14 ReadDevId code).</summary>
public enum DeviceIdCategory : byte
{
    /// <summary>Not a valid code (never sent by the client; a server answers 03).</summary>
    None = 0x00,
    Basic = 0x01,
    Regular = 0x02,
    Extended = 0x03,
    /// <summary>One specific object (individual access).</summary>
    Specific = 0x04,
}

/// <summary>The four Modbus data tables.</summary>
public enum ModbusTable
{
    Coils,
    DiscreteInputs,
    InputRegisters,
    HoldingRegisters,
}

/// <summary>Limits of SPEC §1.1 (LMB constants).</summary>
public static class ModbusLimits
{
    public const int MaxReadBits = 2000;
    public const int MaxReadRegisters = 125;
    public const int MaxWriteCoils = 1968;
    public const int MaxWriteRegisters = 123;
    public const int MaxReadWriteReadRegisters = 125;
    public const int MaxReadWriteWriteRegisters = 121;
    public const int MaxPduLength = 253;
    public const int MaxRtuAduLength = 256;
    public const int MaxTcpAduLength = 260;
    public const int MbapHeaderLength = 7;
    /// <summary>':' + 2 hex chars per byte of (address + PDU + LRC) + CR LF.</summary>
    public const int MaxAsciiFrameLength = 1 + (2 * (1 + MaxPduLength + 1)) + 2;
    public const byte MeiReadDeviceIdentification = 0x0E;
    public const ushort CoilOn = 0xFF00;
    public const ushort CoilOff = 0x0000;
    public const byte BroadcastUnitId = 0;
    /// <summary>LMB MODBUS_TCP_SLAVE: the unit id that addresses a TCP device itself.</summary>
    public const byte TcpDeviceUnitId = 0xFF;
}
