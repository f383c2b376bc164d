#!/usr/bin/python3
"""Modbus peer server (pymodbus 3.0) serving the PowerWatch peer map.

Usage: pymodbus_server.py MODE WHERE [UNIT]
  MODE tcp | rtu-over-tcp: WHERE is a TCP port (MBAP, or RTU frames with CRC over TCP)
  MODE rtu | ascii: WHERE is a serial device (a pty)
Binds TCP to 127.0.0.1 only. Prints READY once serving. See MAP.md for the register map.
"""
import asyncio
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.framer.ascii_framer import ModbusAsciiFramer
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer

from peer_map import COILS, DISCRETE_INPUTS, HOLDING, INPUTS, IDENTITY


def context(unit):
    slave = ModbusSlaveContext(
        co=ModbusSequentialDataBlock(0, list(COILS)),
        di=ModbusSequentialDataBlock(0, list(DISCRETE_INPUTS)),
        hr=ModbusSequentialDataBlock(0, list(HOLDING)),
        ir=ModbusSequentialDataBlock(0, list(INPUTS)),
        zero_mode=True,  # pymodbus maps address 0 to index 1 otherwise
    )
    return ModbusServerContext(slaves={unit: slave}, single=False)


async def main():
    mode, where = sys.argv[1], sys.argv[2]
    unit = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    identity = ModbusDeviceIdentification(info=dict(IDENTITY))
    if mode in ("tcp", "rtu-over-tcp"):
        framer = ModbusSocketFramer if mode == "tcp" else ModbusRtuFramer
        server = ModbusTcpServer(context(unit), framer, identity, ("127.0.0.1", int(where)))
        task = asyncio.create_task(server.serve_forever())
        await server.serving
    elif mode in ("rtu", "ascii"):
        # The serial server defaults to the ASCII framer: RTU must be explicit.
        framer = ModbusRtuFramer if mode == "rtu" else ModbusAsciiFramer
        server = ModbusSerialServer(context(unit), framer, identity, port=where, baudrate=115200)
        await server.start()
        task = asyncio.create_task(server.serve_forever())
    else:
        raise SystemExit(__doc__)
    print("READY", flush=True)
    await task


if __name__ == "__main__":
    asyncio.run(main())
