"""The Dahua event stream: `eventManager.cgi?action=attach`, one text part per event.

Field behaviour handled (field-pain-points §1 #10, reference cameras.md §3.5):
- the stream is asked to send `Heartbeat` every `heartbeat_s`; missing `missed_heartbeats` of
  them means the connection hangs silently (no read timeout is the classic bug), so it is
  dropped and re-opened, never left hanging;
- reconnects back off with jitter, so cameras behind one recorder do not reconnect in a
  burst and hit its connection cap (which answers 401);
- one part that does not frame or parse is skipped; the next is still read;
- `index` is the 0-based channel; events carry `channel` 1-based like every Junction event;
- while the stream is down the alarm states are unknown: active ones are ended
  (`ended_by: stream_lost`) and the state shows none.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from adapters.dahua import codec
from adapters.dahua.mapping import ACTIVE_ACTIONS, event_kind
from gateway.model import EventType
from gateway.sdk import AuthFailed, DecodeError, Diagnostics, EventSink, JunctionError
from gateway.sdk.http import Backoff, HttpDevice, Part, PartError, iter_parts

__all__ = ["AttachStream"]

log = logging.getLogger(__name__)
ALARM_KINDS = ("motion", "tamper", "video_loss")
HEALTH_REASONS = frozenset({"timeout", "refused", "auth_failed", "decode_error", "protocol_error"})


class AttachStream:
    """Keeps one device's event stream attached; tracks alarm states from it."""

    __slots__ = ("_http", "_path", "_device", "_emit", "_diag", "_idle_s", "_backoff",
                 "_states", "connected", "down_since", "last_reason", "parts_ok",
                 "parts_bad", "heartbeats", "connects", "_unknown")

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str,
                 emit: EventSink, diagnostics: Diagnostics, idle_timeout_s: float,
                 reconnect_min_s: float, reconnect_max_s: float) -> None:
        self._http = http
        self._path = path
        self._device = device
        self._emit = emit
        self._diag = diagnostics
        self._idle_s = idle_timeout_s
        self._backoff = Backoff(reconnect_min_s, reconnect_max_s)
        self._states: dict[tuple[str, int], tuple[bool, EventType | None]] = {}
        self.connected = False
        self.down_since: float | None = time.monotonic()
        self.last_reason = "not_connected"
        self.parts_ok = self.parts_bad = self.heartbeats = self.connects = 0
        self._unknown: set[str] = set()

    async def run(self) -> None:
        """Until cancelled; raises AuthFailed (the gateway retries later, slowly)."""
        while True:
            started = time.monotonic()
            before = self.parts_ok
            try:
                await self._consume()
                reason, message = "closed", "the device ended the event stream"
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
            log.info("device=%s event=event_stream_attached connects=%d", self._device,
                     self.connects)
            async for item in iter_parts(resp, idle_timeout_s=self._idle_s,
                                         default_boundary="myboundary"):
                if isinstance(item, PartError):
                    self._bad(f"unframed part ({item.reason})", item.sample)
                else:
                    self._handle(item)

    def _down(self, reason: str, message: str, started: float) -> None:
        if self.connected:
            log.warning("device=%s event=event_stream_lost reason=%s message=%r", self._device,
                        reason, message)
        self.connected = False
        self.down_since = self.down_since or time.monotonic()
        self.last_reason = reason
        for (_kind, channel), (active, event) in list(self._states.items()):
            if active and event is not None:
                self._emit(event, {"active": False, "channel": channel,
                                   "ended_by": "stream_lost"})
        self._states.clear()
        self._diag.record("events", "attach", reason, message,
                          (time.monotonic() - started) * 1000)

    def _handle(self, part: Part) -> None:
        try:
            event = codec.parse_event(part.body.decode("utf-8", "replace"))
        except DecodeError as err:
            self._bad(err.message, part.body[:200])
            return
        self.parts_ok += 1
        if event.is_heartbeat:
            self.heartbeats += 1
            return
        kind = event_kind(event.code)
        active = ACTIVE_ACTIONS.get(event.action or "")
        if kind is None or active is None:
            if event.code not in self._unknown:
                self._unknown.add(event.code)
                log.info("device=%s event=event_code_ignored code=%s action=%s",
                         self._device, event.code, event.action)
            return
        alarm, canonical = kind
        channel = (event.index or 0) + 1
        key = (alarm, channel)
        was = self._states.get(key, (False, None))[0]
        self._states[key] = (active, canonical)
        if active != was and canonical is not None:
            data: dict[str, Any] = {"active": active, "channel": channel, "code": event.code,
                                    "source": "dahua"}
            if isinstance(event.data, dict):
                data["data"] = event.data
            self._emit(canonical, data)

    def _bad(self, message: str, sample: bytes) -> None:
        self.parts_bad += 1
        if self.parts_bad == 1 or self.parts_bad % 100 == 0:
            log.warning("device=%s event=event_part_skipped count=%d error=%r", self._device,
                        self.parts_bad, message)
        self._diag.record("events", "event part", "decode_error", f"{message}: {sample!r}", 0.0)

    def alarms(self, channel: int) -> dict[str, bool]:
        """States for one video channel while the stream is up: off until a Start [I: whether
        an event already running at attach time is announced is unconfirmed]."""
        out = dict.fromkeys(ALARM_KINDS, False)
        for (kind, ch), (active, _) in self._states.items():
            if kind == "io":
                out["io"] = out.get("io", False) or active
            elif ch == channel:
                out[kind] = active
        return out

    def problem(self) -> str | None:
        """A reason when the stream has been down longer than one watchdog period."""
        if self.connected or self.down_since is None:
            return None
        if time.monotonic() - self.down_since <= self._idle_s:
            return None
        return self.last_reason if self.last_reason in HEALTH_REASONS else "protocol_error"
