"""One controller's Modbus TCP connection (pymodbus 3 async client) with Junction's errors.

pymodbus retries, reconnects in the background and logs on its own; a gateway polling hundreds
of controllers wants none of that: one attempt per request under the poll deadline, a reconnect
at the next poll, and every failure classified once. So the client is built with `retries=0`
and `reconnect_delay=0`, a failed connect is classified by a plain TCP connect (pymodbus only
says "False"), a connection the device closes mid-request fails that request at once instead of
at its timeout, an answer whose PDU contradicts itself (a byte count promising more data
than sent) is a DecodeError instead of a traceback inside pymodbus's protocol callback, and
exception responses become ProtocolError carrying the exception code.
Field quirks (pauses between requests and after connecting, field-pain-points §3.6) live here.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Awaitable, Callable, Sequence

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException
from pymodbus.pdu import ModbusPDU

from adapters.modbus.const import EXCEPTION_NAMES
from gateway.sdk import (
    DecodeError,
    DeviceRefused,
    DeviceTimeout,
    Diagnostics,
    JunctionError,
    ProtocolError,
)

__all__ = ["ModbusLink", "frame_problem"]

Request = Callable[[AsyncModbusTcpClient], Awaitable[ModbusPDU]]


class _Malformed(Exception):
    """An answer frame that cannot be a Modbus response."""


def frame_problem(data: bytes) -> str | None:
    """What is wrong with the complete Modbus TCP response frames in `data`, or None
    (an incomplete last frame is fine: more bytes will come). Never raises."""
    while len(data) >= 7:
        pid, length = struct.unpack(">HH", data[2:6])
        if pid != 0 or not 2 <= length <= 254:
            return f"bad MBAP header (protocol id {pid}, length {length})"
        if len(data) < 6 + length:
            return None
        pdu, data = data[7:6 + length], data[6 + length:]
        fc = pdu[0]
        if fc & 0x80:
            ok = len(pdu) == 2
        elif fc in (1, 2, 3, 4):
            ok = pdu[1] == len(pdu) - 2 and (fc < 3 or pdu[1] % 2 == 0)
        elif fc in (5, 6, 15, 16):
            ok = len(pdu) == 5
        else:
            return f"unexpected function code {fc}"
        if not ok:
            return f"function {fc} answer of {len(pdu)} bytes contradicts itself: {pdu[:8].hex()}"
    return None


class ModbusLink:
    """Requests to one unit over one TCP connection, spaced by `pause_s`."""

    __slots__ = ("host", "port", "unit_id", "timeout_s", "pause_s", "post_connect_pause_s",
                 "_diagnostics", "_client", "_lock")

    def __init__(self, host: str, port: int, unit_id: int, *, timeout_s: float,
                 pause_s: float = 0.0, post_connect_pause_s: float = 0.0,
                 diagnostics: Diagnostics | None = None) -> None:
        self.host, self.port, self.unit_id = host, port, unit_id
        self.timeout_s = timeout_s
        self.pause_s = pause_s
        self.post_connect_pause_s = post_connect_pause_s
        self._diagnostics = diagnostics
        self._client: AsyncModbusTcpClient | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def connect(self) -> None:
        """Connect if not connected. Raises DeviceRefused or DeviceTimeout."""
        if self.connected:
            return
        self.close()
        client = AsyncModbusTcpClient(self.host, port=self.port, timeout=self.timeout_s,
                                      retries=0, reconnect_delay=0,
                                      trace_packet=self._on_packet,
                                      trace_connect=self._on_connect)
        if not await client.connect():
            client.close()
            raise await self._connect_failure()
        self._client = client
        if self.post_connect_pause_s:
            await asyncio.sleep(self.post_connect_pause_s)

    def _on_connect(self, connected: bool) -> None:
        """pymodbus calls this when the device closes the connection: fail the request now."""
        client = self._client
        if connected or client is None:
            return
        pending = client.ctx.response_future
        if not pending.done():
            pending.set_exception(ConnectionResetError("connection closed by the device"))

    def _on_packet(self, sending: bool, data: bytes) -> bytes:
        """Check answers before pymodbus decodes them; a bad one fails the request and is
        not passed on (the connection is closed: the byte stream cannot be trusted)."""
        if sending:
            return data
        problem = frame_problem(data)
        if problem is None:
            return data
        client = self._client
        if client is not None and not client.ctx.response_future.done():
            client.ctx.response_future.set_exception(_Malformed(problem))
        return b""

    async def _connect_failure(self) -> JunctionError:
        where = f"{self.host}:{self.port}"
        try:
            async with asyncio.timeout(self.timeout_s):
                _, writer = await asyncio.open_connection(self.host, self.port)
        except ConnectionRefusedError:
            return DeviceRefused(f"{where} refused the TCP connection (nothing listening on "
                                 "the Modbus port?)")
        except TimeoutError:
            return DeviceTimeout(f"no answer to a TCP connect to {where} within "
                                 f"{self.timeout_s} s")
        except OSError as err:
            return DeviceRefused(f"cannot reach {where}: {err.strerror or err}")
        writer.close()
        return DeviceTimeout(f"Modbus connect to {where} failed (it accepts TCP now: retry)")

    async def read(self, table: str, address: int, count: int) -> Sequence[int] | Sequence[bool]:
        """Raw registers or bits. Raises DeviceTimeout, DeviceRefused or ProtocolError."""
        unit = self.unit_id
        if table == "holding":
            pdu = await self._execute(
                lambda c: c.read_holding_registers(address, count=count, device_id=unit),
                "read holding", address, count)
            return pdu.registers
        if table == "input":
            pdu = await self._execute(
                lambda c: c.read_input_registers(address, count=count, device_id=unit),
                "read input", address, count)
            return pdu.registers
        if table == "coil":
            pdu = await self._execute(
                lambda c: c.read_coils(address, count=count, device_id=unit),
                "read coil", address, count)
            return pdu.bits
        pdu = await self._execute(
            lambda c: c.read_discrete_inputs(address, count=count, device_id=unit),
            "read discrete", address, count)
        return pdu.bits

    async def write(self, table: str, address: int, values: list[int] | list[bool]) -> None:
        """FC05/FC06 for one value, FC15/FC16 for several. Same errors as read()."""
        unit, n = self.unit_id, len(values)
        if table == "coil":
            bits = [bool(v) for v in values]
            if n == 1:
                await self._execute(lambda c: c.write_coil(address, bits[0], device_id=unit),
                                    "write coil", address, n, record=True)
            else:
                await self._execute(lambda c: c.write_coils(address, bits, device_id=unit),
                                    "write coils", address, n, record=True)
            return
        words = [int(v) for v in values]
        if n == 1:
            await self._execute(lambda c: c.write_register(address, words[0], device_id=unit),
                                "write holding", address, n, record=True)
        else:
            await self._execute(lambda c: c.write_registers(address, words, device_id=unit),
                                "write holdings", address, n, record=True)

    async def _execute(self, request: Request, what: str, address: int, count: int,
                       *, record: bool = False) -> ModbusPDU:
        label = f"{what} {address}+{count} unit {self.unit_id}"
        async with self._lock:
            await self.connect()
            client = self._client
            assert client is not None
            started = time.perf_counter()
            try:
                pdu = await request(client)
            except _Malformed as err:
                self.close()
                raise self._note(DecodeError(f"malformed answer to {label}: {err}"), label,
                                 started) from err
            except (ConnectionResetError, ConnectionException) as err:
                self.close()
                raise self._note(DeviceRefused(f"{self.host}:{self.port} closed the connection "
                                               f"during {label}"), label, started) from err
            except (ModbusException, TimeoutError) as err:
                error = self._note(DeviceTimeout(f"no answer to {label} within "
                                                 f"{self.timeout_s} s (wrong unit id?)"),
                                   label, started)
                await self._pause()
                raise error from err
            if pdu.isError():
                code = pdu.exception_code
                name = EXCEPTION_NAMES.get(code, "unknown")
                error = self._note(ProtocolError(
                    f"Modbus exception {code} ({name}) to {label}",
                    detail={"exception_code": code, "request": label}), label, started)
                await self._pause()
                raise error
            if record and self._diagnostics is not None:
                self._diagnostics.record(what, label, "ok", "", _ms(started))
            await self._pause()
        return pdu

    async def _pause(self) -> None:
        if self.pause_s:
            await asyncio.sleep(self.pause_s)

    def _note(self, err: JunctionError, label: str, started: float) -> JunctionError:
        if self._diagnostics is not None:
            self._diagnostics.record("modbus", label, err.reason, err.message, _ms(started))
        return err


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
