namespace PowerWatch.PeerTests.Infrastructure;

/// <summary>Peer sources copied next to the test assembly (see the csproj), and the peer map they serve.</summary>
internal static class PeerFiles
{
    public static string ModbusDir => Path.Combine(AppContext.BaseDirectory, "peers", "modbus");

    public static string Modbus(string file) => Path.Combine(ModbusDir, file);
}

/// <summary>The register contents every Modbus peer serves (tests/peers/modbus/MAP.md).</summary>
internal static class PeerMap
{
    public const byte Unit = 1;
    public const int Coils = 64;
    public const int DiscreteInputs = 64;
    public const int HoldingRegisters = 200;
    public const int InputRegisters = 100;

    public static bool Coil(int address) => address % 3 == 0;

    public static bool DiscreteInput(int address) => address % 2 == 1;

    public static ushort Holding(int address) => (ushort)(1000 + address);

    public static ushort Input(int address) => (ushort)(30000 + address);

    public static bool[] CoilRange(int start, int count) => Enumerable.Range(start, count).Select(Coil).ToArray();

    public static bool[] DiscreteInputRange(int start, int count) => Enumerable.Range(start, count).Select(DiscreteInput).ToArray();

    public static ushort[] HoldingRange(int start, int count) => Enumerable.Range(start, count).Select(Holding).ToArray();

    public static ushort[] InputRange(int start, int count) => Enumerable.Range(start, count).Select(Input).ToArray();

    /// <summary>Device identification objects of the pymodbus peers (id → text).</summary>
    public static readonly IReadOnlyDictionary<byte, string> Identity = new Dictionary<byte, string>
    {
        [0x00] = "PowerWatch",
        [0x01] = "PW-PEER",
        [0x02] = "1.2",
        [0x03] = "https://example.invalid/peer",
        [0x04] = "Peer Modbus server",
        [0x05] = "PEER-1",
        [0x06] = "conformance",
    };
}
