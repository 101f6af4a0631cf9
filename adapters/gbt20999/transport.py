"""One GB/T 20999 link per device, over TCP (asyncio streams) or UDP, with request matching.

A controller speaks on its own too: active reports (frame type 0x60) and heartbeat queries
arrive between our requests, so every link has one receiver that routes each frame: a reply
whose sequence number and type match the outstanding request completes it, a report goes to the
adapter's callback, a heartbeat query is answered at once (0x80, or a vendor's 0x71), anything
else is noted in diagnostics. One request is outstanding at a time (a lock), which is what
controllers expect and what lets a frame that fails to decode fail that request with
`decode_error` instead of hanging until the timeout.

TCP reconnects lazily: a dropped connection fails the outstanding request (`refused`) and the
next request connects again. An idle link sends a heartbeat every `heartbeat_s`; a TCP link
whose heartbeat goes unanswered is closed, so the next poll starts clean.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from adapters.gbt20999 import const as C
from adapters.gbt20999.codec import DataValue, Frame, FrameCodec, StreamDeframer
from gateway.sdk import (
    DecodeError,
    DeviceRefused,
    DeviceTimeout,
    Diagnostics,
    JunctionError,
    ProtocolError,
)

__all__ = ["HeaderFields", "Link", "TcpLink", "UdpLink", "summary"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeaderFields:
    version: int = 0x0102
    center_id: int = 1
    controller_id: int = 0
    intersection: int = 1


@dataclass(slots=True)
class _Pending:
    seq: int
    frame_type: int
    future: asyncio.Future[Frame]


def summary(frame: Frame) -> str:
    names = ", ".join(".".join(map(str, v.address)) for v in frame.values[:12])
    more = f" +{len(frame.values) - 12}" if len(frame.values) > 12 else ""
    return (f"{C.FRAME_TYPE_NAMES.get(frame.frame_type, hex(frame.frame_type))} "
            f"seq={frame.seq} [{names}{more}]")


class Link:
    """Shared request/dispatch logic; subclasses provide `_open` and `_write`."""

    __slots__ = ("host", "port", "codec", "header", "reports", "unexpected", "_diag",
                 "_on_report", "_heartbeat_reply", "_connect_timeout_s", "_heartbeat_s",
                 "_lock", "_pending", "_seq", "_last_activity", "_connected", "_heartbeat_task",
                 "_closed", "device")

    def __init__(self, host: str, port: int, codec: FrameCodec, header: HeaderFields, *,
                 diagnostics: Diagnostics, on_report: Callable[[Frame], None],
                 heartbeat_reply: int = C.HEARTBEAT_REPLY, heartbeat_s: float = 10.0,
                 connect_timeout_s: float = 3.0, device: str = "-") -> None:
        self.host, self.port, self.codec, self.header = host, port, codec, header
        self.device = device
        self.reports = 0
        self.unexpected = 0
        self._diag = diagnostics
        self._on_report = on_report
        self._heartbeat_reply = heartbeat_reply
        self._heartbeat_s = heartbeat_s
        self._connect_timeout_s = connect_timeout_s
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._seq = 0
        self._last_activity = time.monotonic()
        self._connected = False
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._closed = False
        self._setup()

    def _setup(self) -> None:
        """Initialise the subclass's transport attributes."""

    @property
    def connected(self) -> bool:
        return self._connected

    # -- to implement ------------------------------------------------------------------------

    async def _open(self) -> None:
        raise NotImplementedError

    async def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _write_nowait(self, data: bytes) -> None:
        raise NotImplementedError

    async def _drop(self) -> None:
        """Close the connection (the link object stays usable)."""
        self._connected = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def connect(self) -> None:
        if self._closed:
            raise DeviceRefused("link closed")
        if not self._connected:
            await self._open()
            self._connected = True
            self._last_activity = time.monotonic()
        if self._heartbeat_s > 0 and self._heartbeat_task is None:
            self._heartbeat_task = asyncio.create_task(self._heartbeats(),
                                                       name=f"gbt20999-heartbeat:{self.device}")

    async def close(self) -> None:
        self._closed = True
        task, self._heartbeat_task = self._heartbeat_task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self._drop()
        self._fail(DeviceRefused("link closed"))

    # -- requests ----------------------------------------------------------------------------

    def _frame(self, frame_type: int, values: Sequence[DataValue], seq: int) -> Frame:
        h = self.header
        return Frame(frame_type, tuple(values), seq, h.version, h.center_id, h.controller_id,
                     h.intersection)

    async def request(self, frame_type: int, values: Sequence[DataValue], timeout_s: float, *,
                      reconnect: bool = True) -> Frame:
        """Send one frame and wait for its reply (any type in C.REPLY_TYPES[frame_type]).
        Raises DeviceTimeout, DeviceRefused, DecodeError."""
        async with self._lock:
            if not self._connected:
                if not reconnect:
                    raise DeviceRefused("not connected")
                await self.connect()
            self._seq = self._seq % 255 + 1
            frame = self._frame(frame_type, values, self._seq)
            loop = asyncio.get_running_loop()
            pending = _Pending(self._seq, frame_type, loop.create_future())
            self._pending = pending
            started = time.perf_counter()
            try:
                await self._write(self.codec.encode(frame))
                async with asyncio.timeout(timeout_s):
                    reply = await pending.future
            except TimeoutError:
                err: JunctionError = DeviceTimeout(
                    f"no reply to {summary(frame)} from {self.host}:{self.port} within "
                    f"{timeout_s} s")
                self._record(frame, err.reason, err.message, started)
                raise err from None
            except JunctionError as error:
                self._record(frame, error.reason, error.message, started)
                raise
            finally:
                self._pending = None
            self._last_activity = time.monotonic()
            self._record(frame, "ok", summary(reply), started)
            return reply

    def _record(self, frame: Frame, outcome: str, response: str, started: float) -> None:
        self._diag.record(C.FRAME_TYPE_NAMES.get(frame.frame_type, "frame"), summary(frame),
                          outcome, response, (time.perf_counter() - started) * 1000)

    def _fail(self, error: JunctionError) -> None:
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(error)

    # -- receiving ---------------------------------------------------------------------------

    def _received(self, item: bytes | DecodeError) -> None:
        if isinstance(item, DecodeError):
            self._decode_failed(item)
            return
        try:
            frame = self.codec.decode(item)
        except DecodeError as err:
            self._decode_failed(err)
            return
        self._dispatch(frame)

    def _decode_failed(self, err: DecodeError) -> None:
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(err)
        else:
            self._diag.record("receive", "-", err.reason, err.message, 0.0)

    def _dispatch(self, frame: Frame) -> None:
        t = frame.frame_type
        if t == C.TRAP:
            self.reports += 1
            self._diag.record("report", "-", "ok", summary(frame), 0.0)
            self._on_report(frame)
            return
        if t == C.HEARTBEAT:
            self._last_activity = time.monotonic()
            reply = self._frame(self._heartbeat_reply, (), frame.seq)
            with suppress(JunctionError, OSError):
                self._write_nowait(self.codec.encode(reply))
            return
        pending = self._pending
        if pending is not None and not pending.future.done() and frame.seq == pending.seq:
            if t in C.REPLY_TYPES.get(pending.frame_type, frozenset()):
                pending.future.set_result(frame)
            else:
                pending.future.set_exception(ProtocolError(
                    f"reply to {C.FRAME_TYPE_NAMES.get(pending.frame_type)} has frame type "
                    f"0x{t:02X}"))
            return
        self.unexpected += 1
        self._diag.record("receive", "-", "unexpected", f"unmatched {summary(frame)}", 0.0)

    # -- heartbeats --------------------------------------------------------------------------

    async def _heartbeats(self) -> None:
        while True:
            idle = time.monotonic() - self._last_activity
            await asyncio.sleep(max(0.05, self._heartbeat_s - idle))
            if not self._connected or time.monotonic() - self._last_activity < self._heartbeat_s:
                continue
            try:
                await self.request(C.HEARTBEAT, (), min(self._heartbeat_s, 5.0),
                                   reconnect=False)
            except JunctionError as err:
                log.info("device=%s event=heartbeat_failed reason=%s", self.device, err.reason)
                await self._heartbeat_failed()
                self._last_activity = time.monotonic()

    async def _heartbeat_failed(self) -> None:
        """A datagram link just keeps going; a stream link is closed (see TcpLink)."""


class TcpLink(Link):
    """Escaped frames on one TCP connection."""

    __slots__ = ("_writer", "_reader_task")

    def _setup(self) -> None:
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None

    async def _open(self) -> None:
        await self._drop()  # a connection the device closed
        where = f"{self.host}:{self.port}"
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise DeviceTimeout(f"TCP connect to {where} timed out after "
                                f"{self._connect_timeout_s} s") from None
        except ConnectionRefusedError:
            raise DeviceRefused(f"{where} refused the TCP connection") from None
        except OSError as err:
            raise DeviceRefused(f"cannot connect to {where}: {err}") from err
        self._writer = writer
        self._reader_task = asyncio.create_task(self._read(reader),
                                                name=f"gbt20999-reader:{self.device}")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        deframer = StreamDeframer(escaped=self.codec.escaped,
                                  length_mode=self.codec.length_mode)
        why = "the device closed the connection"
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                for item in deframer.feed(data):
                    self._received(item)
        except OSError as err:
            why = f"connection lost: {err}"
        finally:
            self._connected = False
            self._fail(DeviceRefused(f"{self.host}:{self.port}: {why}"))

    async def _write(self, data: bytes) -> None:
        writer = self._writer
        if writer is None:
            raise DeviceRefused("not connected")
        try:
            writer.write(data)
            await writer.drain()
        except OSError as err:
            await self._drop()
            raise DeviceRefused(f"{self.host}:{self.port}: send failed: {err}") from err

    def _write_nowait(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)

    async def _heartbeat_failed(self) -> None:
        await self._drop()  # a half-open TCP connection: the next poll connects afresh

    async def _drop(self) -> None:
        self._connected = False
        writer, self._writer = self._writer, None
        task, self._reader_task = self._reader_task, None
        if writer is not None:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, link: UdpLink) -> None:
        self.link = link

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.link._received(data)

    def error_received(self, exc: Exception) -> None:
        self.link._fail(DeviceRefused(f"{self.link.host}:{self.link.port}: {exc}"))


class UdpLink(Link):
    """One datagram per frame, not escaped (escaping is a TCP/serial rule)."""

    __slots__ = ("_transport",)

    def _setup(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None

    async def _open(self) -> None:
        await self._drop()
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), remote_addr=(self.host, self.port))
        except OSError as err:
            raise DeviceRefused(f"cannot open UDP to {self.host}:{self.port}: {err}") from err
        self._transport = transport

    async def _write(self, data: bytes) -> None:
        self._write_nowait(data)

    def _write_nowait(self, data: bytes) -> None:
        if self._transport is None:
            raise DeviceRefused("not connected")
        self._transport.sendto(data)

    async def _drop(self) -> None:
        self._connected = False
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
