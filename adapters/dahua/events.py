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
  (`ended_by: stream_lost`) and the state shows none;
- after attach the states are off until a Start [I: whether an event already running at
  attach time is announced is unconfirmed].
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from adapters.dahua import codec
from adapters.dahua.mapping import ACTIVE_ACTIONS, event_kind
from gateway.sdk import DecodeError, Diagnostics, EventSink
from gateway.sdk.http import EventStream, HttpDevice, Part

__all__ = ["AttachStream"]

log = logging.getLogger(__name__)


class AttachStream(EventStream):
    """Keeps one device's event stream attached; tracks alarm states from it (`tracker`)."""

    LOG_CONNECTED = "event_stream_attached"
    LOG_LOST = "event_stream_lost"
    LOG_PART_SKIPPED = "event_part_skipped"
    DIAG_STREAM = "attach"
    DIAG_PART = "event part"
    ENDED = "the device ended the event stream"
    DEFAULT_BOUNDARY = "myboundary"

    __slots__ = ("heartbeats",)

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str,
                 emit: EventSink, diagnostics: Diagnostics, idle_timeout_s: float,
                 reconnect_min_s: float, reconnect_max_s: float) -> None:
        super().__init__(http, path, device=device, emit=emit, diagnostics=diagnostics,
                         idle_timeout_s=idle_timeout_s, reconnect_min_s=reconnect_min_s,
                         reconnect_max_s=reconnect_max_s)
        self.heartbeats = 0

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
        data: dict[str, Any] = {"code": event.code, "source": "dahua"}
        if isinstance(event.data, dict):
            data["data"] = event.data
        self.tracker.update(alarm, (event.index or 0) + 1, active, canonical, data)
