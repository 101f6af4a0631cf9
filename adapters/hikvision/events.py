"""The ISAPI alert stream: one long GET, one multipart part per event, to canonical events.

Field behaviour handled (field-pain-points §1 #9, reference cameras.md §2.2):
- the boundary comes from the response's Content-Type (`boundary=boundary` is common, not
  guaranteed); parts may be XML or JPEG; the namespace varies by firmware;
- a part that does not frame or parse is counted and skipped: the next one is still read;
- devices send `videoloss`/`inactive` (or `heartBeat`) every few seconds as a keep-alive, and
  repeat `active` while an event lasts; no complete part for `idle_timeout_s` means the TCP
  connection has silently stalled, so the stream is dropped and re-opened;
- some events never send `inactive`: an `active` not repeated within `stale_s` is ended
  (pyHik `update_stale`), and so is every active alarm when the stream is lost;
- reconnects back off with jitter; while the stream is down the alarms are unknown, not off.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from adapters.hikvision import codec
from adapters.hikvision.mapping import HEARTBEAT_TYPES, event_kind
from gateway.model import EventType
from gateway.sdk import AuthFailed, DecodeError, Diagnostics, EventSink, JunctionError
from gateway.sdk.http import Backoff, HttpDevice, Part, PartError, iter_parts

__all__ = ["AlarmTracker", "AlertStream"]

log = logging.getLogger(__name__)
ALARM_KINDS = ("motion", "tamper", "video_loss")
HEALTH_REASONS = frozenset({"timeout", "refused", "auth_failed", "decode_error", "protocol_error"})


class AlarmTracker:
    """On/off per (alarm kind, channel); emits a canonical event on each change only."""

    __slots__ = ("_emit", "_stale_s", "_clock", "_active", "_last_active")

    def __init__(self, emit: EventSink, stale_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._emit = emit
        self._stale_s = stale_s
        self._clock = clock
        self._active: dict[tuple[str, int], tuple[bool, EventType | None]] = {}
        self._last_active: dict[tuple[str, int], float] = {}

    def update(self, kind: str, channel: int, active: bool, event: EventType | None,
               data: dict[str, Any]) -> None:
        key = (kind, channel)
        if active:
            self._last_active[key] = self._clock()
        was = self._active.get(key, (False, None))[0]
        self._active[key] = (active, event)
        if active != was and event is not None:
            self._emit(event, {"active": active, "channel": channel, **data})

    def expire(self) -> None:
        """End actives not repeated within stale_s."""
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
        otherwise (an ongoing event is re-posted within a second); `io` is any input."""
        out = dict.fromkeys(ALARM_KINDS, False)
        for (kind, ch), (active, _) in self._active.items():
            if kind == "io":
                out["io"] = out.get("io", False) or active
            elif ch == channel:
                out[kind] = active
        return out


class AlertStream:
    """Keeps one device's alert stream open and feeds an AlarmTracker."""

    __slots__ = ("_http", "_path", "_device", "_diag", "_idle_s", "_backoff", "_channel",
                 "tracker", "connected", "down_since", "last_reason", "parts_ok", "parts_bad",
                 "connects", "_unknown")

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str, emit: EventSink,
                 diagnostics: Diagnostics, channel: int, idle_timeout_s: float, stale_s: float,
                 reconnect_min_s: float, reconnect_max_s: float) -> None:
        self._http = http
        self._path = path
        self._device = device
        self._diag = diagnostics
        self._idle_s = idle_timeout_s
        self._backoff = Backoff(reconnect_min_s, reconnect_max_s)
        self._channel = channel
        self.tracker = AlarmTracker(emit, stale_s)
        self.connected = False
        self.down_since: float | None = time.monotonic()
        self.last_reason = "not_connected"
        self.parts_ok = self.parts_bad = self.connects = 0
        self._unknown: set[str] = set()

    async def run(self) -> None:
        """Until cancelled; raises AuthFailed (the gateway retries later, slowly)."""
        while True:
            started = time.monotonic()
            before = self.parts_ok
            try:
                await self._consume()
                reason, message = "closed", "the device ended the alert stream"
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
            log.info("device=%s event=alert_stream_connected connects=%d", self._device,
                     self.connects)
            async for item in iter_parts(resp, idle_timeout_s=self._idle_s,
                                         default_boundary="boundary"):
                if isinstance(item, PartError):
                    self._bad(f"unframed part ({item.reason})", item.sample)
                else:
                    self._handle(item)
                self.tracker.expire()

    def _down(self, reason: str, message: str, started: float) -> None:
        if self.connected:
            log.warning("device=%s event=alert_stream_lost reason=%s message=%r", self._device,
                        reason, message)
        self.connected = False
        self.down_since = self.down_since or time.monotonic()
        self.last_reason = reason
        self.tracker.clear("stream_lost")
        self._diag.record("events", "alertStream", reason, message,
                          (time.monotonic() - started) * 1000)

    def _handle(self, part: Part) -> None:
        if part.content_type.startswith("image/"):
            self.parts_ok += 1  # picture parts of newer firmware: not used here
            return
        try:
            alert = codec.parse_alert(codec.parse_xml(part.body, "alert part"))
        except DecodeError as err:
            self._bad(err.message, part.body[:200])
            return
        self.parts_ok += 1
        name = alert.event_type.lower()
        if name in HEARTBEAT_TYPES:
            return
        kind = event_kind(name)
        if kind is None:
            if name not in self._unknown:
                self._unknown.add(name)
                log.info("device=%s event=alert_type_ignored type=%s", self._device,
                         alert.event_type)
            return
        alarm, event = kind
        data: dict[str, Any] = {"event_type": alert.event_type, "source": "isapi"}
        if alert.time is not None:
            data["device_time"] = alert.time.isoformat()
        if alert.post_count is not None:
            data["post_count"] = alert.post_count
        self.tracker.update(alarm, alert.channel or self._channel, alert.active, event, data)

    def _bad(self, message: str, sample: bytes) -> None:
        self.parts_bad += 1
        if self.parts_bad == 1 or self.parts_bad % 100 == 0:
            log.warning("device=%s event=alert_part_skipped count=%d error=%r", self._device,
                        self.parts_bad, message)
        self._diag.record("events", "alert part", "decode_error", f"{message}: {sample!r}", 0.0)

    def problem(self) -> str | None:
        """A reason when the stream has been down longer than one watchdog period."""
        if self.connected or self.down_since is None:
            return None
        if time.monotonic() - self.down_since <= self._idle_s:
            return None
        return self.last_reason if self.last_reason in HEALTH_REASONS else "protocol_error"
