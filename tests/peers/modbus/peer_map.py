"""The PowerWatch Modbus peer map (MAP.md), shared by the Python peers."""
COILS = [i % 3 == 0 for i in range(64)]
DISCRETE_INPUTS = [i % 2 == 1 for i in range(64)]
HOLDING = [1000 + i for i in range(200)]
INPUTS = [30000 + i for i in range(100)]
IDENTITY = {
    0x00: "PowerWatch",
    0x01: "PW-PEER",
    0x02: "1.2",
    0x03: "https://example.invalid/peer",
    0x04: "Peer Modbus server",
    0x05: "PEER-1",
    0x06: "conformance",
}
