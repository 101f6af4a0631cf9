"""One GA/T 1049 TCP session: frames in, answers and pushes out, link supervision.

Why the shape: a platform that misbehaves (garbage, oversized frames, a stalled reader, silence)
must cost only its own session. Requests are handled in order on the read side; everything sent
goes through a bounded queue drained by a writer task, so a client that stops reading overflows
its queue and is closed instead of holding up pushes to the others. A session silent for three
heartbeat periods (any complete frame counts as life [I]) is closed: link down (reference §4.1
[I]). Ten protocol errors in a row, or five failed logins, also close it. The server sends its
own one-way heartbeat (PUSH Notify SDO_HeartBeat) every heartbeat period to a logged-in platform,
so a platform that supervises the link the same way keeps it up [I].
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress

from lxml import etree

from gateway.northbound.config import Gat1049User
from gateway.northbound.gat1049.codec import MessageError, build_message, el, parse_message
from gateway.northbound.gat1049.context import PROTOCOL, Context
from gateway.northbound.gat1049.framing import FrameReader, FrameTooLarge
from gateway.northbound.gat1049.handlers import handle
from gateway.northbound.gat1049.objects import sdo_error

__all__ = ["Session"]

log = logging.getLogger(__name__)

QUEUE_FRAMES = 1000
MAX_STRIKES = 10
MAX_LOGIN_FAILURES = 5


class Session:
    __slots__ = ("_ctx", "_reader", "_writer", "_queue", "_deferred", "_strikes", "_failures",
                 "_closing", "_aborted", "peer", "token", "user", "subscriptions")

    def __init__(self, ctx: Context, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self._ctx = ctx
        self._reader = reader
        self._writer = writer
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_FRAMES)
        self._deferred: list[tuple[str, etree._Element]] = []
        self._strikes = 0
        self._failures = 0
        self._closing: str | None = None
        self._aborted = False
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "?"
        self.token: str | None = None
        self.user: Gat1049User | None = None
        self.subscriptions: set[str] = set()

    # -- what handlers use ---------------------------------------------------------------------

    def token_ok(self, token: str) -> bool:
        return self.token is not None and secrets.compare_digest(token.encode(),
                                                                 self.token.encode())

    def login(self, user: Gat1049User) -> str:
        self.user, self.token, self._failures = user, secrets.token_hex(16), 0
        log.info("event=gat1049_login peer=%s user=%s", self.peer, user.username)
        return self.token

    def logout(self) -> None:
        self.user, self.token = None, None
        self.subscriptions.clear()

    def login_failed(self) -> None:
        self._failures += 1
        if self._failures >= MAX_LOGIN_FAILURES:
            self._closing = "login_failures"

    def defer(self, name: str, element: etree._Element) -> None:
        """Push after the answer being prepared (a Subscribe's current values)."""
        self._deferred.append((name, element))

    def push(self, name: str, element: etree._Element) -> None:
        if self.token is None or name not in self.subscriptions:
            return
        self._send(build_message(type="PUSH", seq=self._ctx.seq(), token=self.token,
                                 operations=[(1, "Notify", [element])]))

    # -- the connection ------------------------------------------------------------------------

    def _send(self, frame: bytes) -> None:
        if self._aborted:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._ctx.metrics.error(PROTOCOL, "slow_consumer")
            self.abort("slow_consumer")

    def abort(self, reason: str) -> None:
        """Drop the connection now; the session task then ends by itself."""
        self._closing, self._aborted = reason, True
        self._writer.transport.abort()

    def _error(self, err_type: str, desc: str, seq: str = "", reason: str = "") -> None:
        self._ctx.metrics.error(PROTOCOL, reason or err_type)
        self._send(build_message(type="ERROR", seq=seq or self._ctx.seq(), token=self.token or "",
                                 operations=[(1, "Other", [sdo_error("Message", err_type,
                                                                     desc)])]))

    async def run(self) -> None:
        """Serve until the peer leaves, the link times out or the session is closed."""
        metrics = self._ctx.metrics
        metrics.sessions.labels(PROTOCOL).inc()
        log.info("event=gat1049_session_opened peer=%s", self.peer)
        writer_task = asyncio.create_task(self._write_loop())
        beat_task = asyncio.create_task(self._heartbeat_loop())
        try:
            await self._read_loop()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            metrics.sessions.labels(PROTOCOL).dec()
            beat_task.cancel()
            with suppress(asyncio.CancelledError):
                await beat_task
            with suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)  # flush what is queued, then stop
            try:
                async with asyncio.timeout(2.0):
                    await writer_task
            except (TimeoutError, ConnectionError):
                writer_task.cancel()
            self._writer.close()
            with suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._writer.wait_closed()
            log.info("event=gat1049_session_closed peer=%s reason=%s", self.peer,
                     self._closing or "peer")

    async def _read_loop(self) -> None:
        frames = FrameReader(self._reader, self._ctx.config.max_frame_chars)
        silence_s = 3 * self._ctx.config.heartbeat_s
        while self._closing is None:
            try:
                async with asyncio.timeout(silence_s):
                    frame = await frames.read()
            except TimeoutError:
                self._ctx.metrics.error(PROTOCOL, "heartbeat_timeout")
                self._closing = "heartbeat_timeout"
                return
            except FrameTooLarge:
                self._error("SDE_Failure", f"frame longer than "
                            f"{self._ctx.config.max_frame_chars} characters, discarded",
                            reason="oversized_frame")
                self._strike()
                continue
            if frame is None:
                return
            if frame.strip():
                await self._serve(frame)

    async def _serve(self, frame: bytes) -> None:
        try:
            env = parse_message(frame.strip())
            answer = await handle(self._ctx, self, env)
        except MessageError as err:
            reason = "malformed_xml" if err.err_type == "SDE_Unknown" else "bad_envelope"
            self._error(err.err_type, err.message, err.seq, reason)
            self._strike()
            return
        except Exception:  # a bug costs one answer, never the session or the server
            log.exception("event=gat1049_request_failed peer=%s", self.peer)
            self._error("SDE_Unknown", "internal error", reason="internal")
            self._strike()
            return
        self._strikes = 0
        if answer is not None:
            self._send(answer)
        deferred, self._deferred = self._deferred, []
        for name, element in deferred:
            self.push(name, element)

    def _strike(self) -> None:
        self._strikes += 1
        if self._strikes >= MAX_STRIKES:
            self._closing = "protocol_errors"

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ctx.config.heartbeat_s)
            if self.token is not None:
                self._send(build_message(type="PUSH", seq=self._ctx.seq(), token=self.token,
                                         operations=[(1, "Notify", [el("SDO_HeartBeat")])]))

    async def _write_loop(self) -> None:
        timeout_s = max(3 * self._ctx.config.heartbeat_s, 5.0)
        while True:
            frame = await self._queue.get()
            if frame is None:
                return
            self._writer.write(frame)
            try:
                async with asyncio.timeout(timeout_s):
                    await self._writer.drain()
            except TimeoutError:
                self.abort("write_timeout")
                return
