"""A camera's alarm states from its event stream, and the loop that keeps that stream open.

Hikvision's alertStream and Dahua's attach stream differ only in how one part reads; the rest
is the same field lesson: a stream can stall silently (the `iter_parts` watchdog drops it),
reconnects must back off with jitter, a part that does not parse is skipped and counted, and
while the stream is down the alarm states are unknown, so active ones are ended
(`ended_by: stream_lost`) rather than left on. `EventStream` does that loop; a vendor's
subclass writes `_handle` (one part to `tracker.update`) and names its log events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

from gateway.model import EventType
from gateway.sdk.adapter import EventSink
from gateway.sdk.diagnostics import Diagnostics
from gateway.sdk.errors import AuthFailed, JunctionError
from gateway.sdk.http.client import HttpDevice
from gateway.sdk.http.multipart import Part, PartError
from gateway.sdk.http.stream import Backoff, iter_parts

__all__ = ["ALARM_KINDS", "HEALTH_REASONS", "AlarmTracker", "EventStream"]
ALARM_KINDS = ("motion", "tamper", "video_loss")
HEALTH_REASONS = frozenset({"timeout", "refused", "auth_failed", "decode_error", "protocol_error"})


class AlarmTracker:
    """On/off per (alarm kind, channel); emits a canonical event on each change only.

    With `stale_s`, an `active` not repeated within it is ended by `expire()` (devices that
    never send the matching `inactive`); without, states change only by `update`/`clear`."""

    __slots__ = ("_emit", "_stale_s", "_clock", "_active", "_last_active")

    def __init__(self, emit: EventSink, stale_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._emit = emit
        self._stale_s = stale_s
        self._clock = clock
        self._active: dict[tuple[str, int], tuple[bool, EventType | None]] = {}
        self._last_active: dict[tuple[str, int], float] = {}

    def update(self, kind: str, channel: int, active: bool, event: EventType | None,
               data: dict[str, Any]) -> None:
        """Set one state; on a change emit `event` with active, channel (1-based) and `data`."""
        key = (kind, channel)
        if active:
            self._last_active[key] = self._clock()
        was = self._active.get(key, (False, None))[0]
        self._active[key] = (active, event)
        if active != was and event is not None:
            self._emit(event, {"active": active, "channel": channel, **data})

    def expire(self) -> None:
        """End actives not repeated within stale_s (nothing without stale_s)."""
        if self._stale_s is None:
            return
        now = self._clock()
        for key, (active, event) in list(self._active.items()):
            if active and now - self._last_active.get(key, now) > self._stale_s:
                self._end(key, event, "stale")

    def clear(self, reason: str) -> None:
        """The stream is gone: end every active alarm and forget all states (unknown)."""
        for key, (active, event) in list(self._active.items()):
            if active:
                self._end(key, event, reason)
        self._active.clear()
        self._last_active.clear()

    def _end(self, key: tuple[str, int], event: EventType | None, reason: str) -> None:
        self._active[key] = (False, event)
        if event is not None:
            self._emit(event, {"active": False, "channel": key[1], "ended_by": reason})

    def alarms(self, channel: int) -> dict[str, bool]:
        """States for one video channel while the stream is up: off unless an event says
        otherwise; `io` is any input."""
        out = dict.fromkeys(ALARM_KINDS, False)
        for (kind, ch), (active, _) in self._active.items():
            if kind == "io":
                out["io"] = out.get("io", False) or active
            elif ch == channel:
                out[kind] = active
        return out


class EventStream:
    """Keeps one device's event stream open and feeds `tracker`; a vendor subclass writes
    `_handle` and sets the names below (log events and diagnostics operations). It logs
    through the subclass's module logger, so a vendor's lines keep their logger name."""

    LOG_CONNECTED: ClassVar[str] = "event_stream_connected"
    LOG_LOST: ClassVar[str] = "event_stream_lost"
    LOG_PART_SKIPPED: ClassVar[str] = "event_part_skipped"
    DIAG_STREAM: ClassVar[str] = "eventStream"
    DIAG_PART: ClassVar[str] = "event part"
    ENDED: ClassVar[str] = "the device ended the event stream"
    DEFAULT_BOUNDARY: ClassVar[str | None] = None

    __slots__ = ("_http", "_path", "_device", "_diag", "_idle_s", "_backoff", "_unknown", "_log",
                 "tracker", "connected", "down_since", "last_reason", "parts_ok", "parts_bad",
                 "connects")

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str,
                 emit: EventSink, diagnostics: Diagnostics, idle_timeout_s: float,
                 reconnect_min_s: float, reconnect_max_s: float,
                 stale_s: float | None = None) -> None:
        self._http = http
        self._path = path
        self._device = device
        self._diag = diagnostics
        self._idle_s = idle_timeout_s
        self._backoff = Backoff(reconnect_min_s, reconnect_max_s)
        self._unknown: set[str] = set()  # event names already logged as ignored
        self._log = logging.getLogger(type(self).__module__)
        self.tracker = AlarmTracker(emit, stale_s)
        self.connected = False
        self.down_since: float | None = time.monotonic()
        self.last_reason = "not_connected"
        self.parts_ok = self.parts_bad = self.connects = 0

    def _handle(self, part: Part) -> None:
        """One complete part: count it (`parts_ok`, or `_bad` when it does not parse) and
        update `tracker`."""
        raise NotImplementedError

    async def run(self) -> None:
        """Until cancelled; raises AuthFailed (the gateway retries later, slowly)."""
        while True:
            started = time.monotonic()
            before = self.parts_ok
            try:
                await self._consume()
                reason, message = "closed", self.ENDED
            except AuthFailed as err:
                self._down(err.reason, err.message, started)
                raise
            except JunctionError as err:
                reason, message = err.reason, err.message
            self._down(reason, message, started)
            if self.parts_ok > before:
                self._backoff.reset()
            await asyncio.sleep(self._backoff.next_delay())

    async def _consume(self) -> None:
        async with self._http().stream(self._path) as resp:
            self.connected, self.down_since = True, None
            self.connects += 1
            self._log.info("device=%s event=%s connects=%d", self._device, self.LOG_CONNECTED,
                     self.connects)
            async for item in iter_parts(resp, idle_timeout_s=self._idle_s,
                                         default_boundary=self.DEFAULT_BOUNDARY):
                if isinstance(item, PartError):
                    self._bad(f"unframed part ({item.reason})", item.sample)
                else:
                    self._handle(item)
                self.tracker.expire()

    def _down(self, reason: str, message: str, started: float) -> None:
        if self.connected:
            self._log.warning("device=%s event=%s reason=%s message=%r", self._device,
                        self.LOG_LOST, reason, message)
        self.connected = False
        self.down_since = self.down_since or time.monotonic()
        self.last_reason = reason
        self.tracker.clear("stream_lost")
        self._diag.record("events", self.DIAG_STREAM, reason, message,
                          (time.monotonic() - started) * 1000)

    def _bad(self, message: str, sample: bytes) -> None:
        self.parts_bad += 1
        if self.parts_bad == 1 or self.parts_bad % 100 == 0:
            self._log.warning("device=%s event=%s count=%d error=%r", self._device,
                        self.LOG_PART_SKIPPED, self.parts_bad, message)
        self._diag.record("events", self.DIAG_PART, "decode_error", f"{message}: {sample!r}",
                          0.0)

    def problem(self) -> str | None:
        """A reason when the stream has been down longer than one watchdog period."""
        if self.connected or self.down_since is None:
            return None
        if time.monotonic() - self.down_since <= self._idle_s:
            return None
        return self.last_reason if self.last_reason in HEALTH_REASONS else "protocol_error"

    def status(self, channel: int) -> tuple[dict[str, bool], str | None]:
        """For a poll: (alarm states of one channel, or none while the stream is down; the
        health reason when it has been down longer than one watchdog period)."""
        self.tracker.expire()
        if self.connected:
            return self.tracker.alarms(channel), None
        return {}, self.problem()
