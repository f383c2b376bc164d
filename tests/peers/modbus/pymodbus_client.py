#!/usr/bin/python3
"""Modbus peer client (pymodbus 3.0): runs operations against a server and prints one JSON line each.

Usage: pymodbus_client.py tcp|rtu-over-tcp HOST PORT UNIT OP... | pymodbus_client.py rtu|ascii DEVICE UNIT OP...
OP (addresses are 0-based PDU addresses; lists are comma-separated):
  rc:ADDR:N  di:ADDR:N  hr:ADDR:N  ir:ADDR:N       read coils / discrete inputs / holding / input registers
  wc:ADDR:0|1  wr:ADDR:VALUE                       write single coil / register (FC05 / FC06)
  wcs:ADDR:B,B,..  wrs:ADDR:V,V,..                 write multiple coils / registers (FC15 / FC16)
  rw:RADDR:RN:WADDR:V,V,..                         read/write multiple registers (FC23)
  id:CODE:OBJ                                      read device identification (FC43/14)
Output per OP: {"op": "...", "values": [...]} | {"op": "...", "ok": true} | {"op": "...", "exception": CODE}
| {"op": "...", "objects": {"0": "..."}} | {"op": "...", "error": "..."} (no reply / transport failure).
"""
import json
import sys

from pymodbus import bit_read_message as br
from pymodbus import bit_write_message as bw
from pymodbus import mei_message as mei
from pymodbus import register_read_message as rr
from pymodbus import register_write_message as rw
from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.framer.ascii_framer import ModbusAsciiFramer
from pymodbus.framer.rtu_framer import ModbusRtuFramer
from pymodbus.framer.socket_framer import ModbusSocketFramer


def ints(text):
    return [int(v) for v in text.split(",")]


def request(op, unit):
    kind, *a = op.split(":")
    if kind == "rc":
        return br.ReadCoilsRequest(int(a[0]), int(a[1]), unit=unit)
    if kind == "di":
        return br.ReadDiscreteInputsRequest(int(a[0]), int(a[1]), unit=unit)
    if kind == "hr":
        return rr.ReadHoldingRegistersRequest(int(a[0]), int(a[1]), unit=unit)
    if kind == "ir":
        return rr.ReadInputRegistersRequest(int(a[0]), int(a[1]), unit=unit)
    if kind == "wc":
        return bw.WriteSingleCoilRequest(int(a[0]), a[1] == "1", unit=unit)
    if kind == "wr":
        return rw.WriteSingleRegisterRequest(int(a[0]), int(a[1]), unit=unit)
    if kind == "wcs":
        return bw.WriteMultipleCoilsRequest(int(a[0]), [v == 1 for v in ints(a[1])], unit=unit)
    if kind == "wrs":
        return rw.WriteMultipleRegistersRequest(int(a[0]), ints(a[1]), unit=unit)
    if kind == "rw":
        return rr.ReadWriteMultipleRegistersRequest(
            read_address=int(a[0]), read_count=int(a[1]),
            write_address=int(a[2]), write_registers=ints(a[3]), unit=unit)
    if kind == "id":
        return mei.ReadDeviceInformationRequest(int(a[0]), int(a[1]), unit=unit)
    raise SystemExit(f"unknown op {op}")


def result(op, count, response):
    kind = op.split(":")[0]
    if response is None or not hasattr(response, "function_code"):
        return {"op": op, "error": str(response)}
    if response.isError():
        return {"op": op, "exception": getattr(response, "exception_code", -1)}
    if kind in ("rc", "di"):
        return {"op": op, "values": [1 if b else 0 for b in response.bits[:count]]}
    if kind in ("hr", "ir", "rw"):
        return {"op": op, "values": list(response.registers)}
    if kind == "id":
        objects = {str(k): (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in response.information.items()}
        return {"op": op, "conformity": response.conformity, "objects": objects}
    return {"op": op, "ok": True}


def main():
    mode = sys.argv[1]
    if mode in ("tcp", "rtu-over-tcp"):
        framer = ModbusSocketFramer if mode == "tcp" else ModbusRtuFramer
        client = ModbusTcpClient(sys.argv[2], port=int(sys.argv[3]), framer=framer, timeout=3, retries=0)
        unit, ops = int(sys.argv[4]), sys.argv[5:]
    elif mode in ("rtu", "ascii"):
        framer = ModbusRtuFramer if mode == "rtu" else ModbusAsciiFramer
        client = ModbusSerialClient(sys.argv[2], framer=framer, baudrate=115200, timeout=3, retries=0)
        unit, ops = int(sys.argv[3]), sys.argv[4:]
    else:
        raise SystemExit(__doc__)
    if not client.connect():
        print(json.dumps({"error": "connect failed"}), flush=True)
        return 1
    try:
        for op in ops:
            kind, *a = op.split(":")
            count = int(a[1]) if kind in ("rc", "di") else 0
            try:
                response = client.execute(request(op, unit))
            except Exception as exc:  # pylint: disable=broad-except
                response = exc
            print(json.dumps(result(op, count, response)), flush=True)
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
