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

import logging
from collections.abc import Callable
from typing import Any

from adapters.hikvision import codec
from adapters.hikvision.mapping import HEARTBEAT_TYPES, event_kind
from gateway.sdk import DecodeError, Diagnostics, EventSink
from gateway.sdk.http import EventStream, HttpDevice, Part

__all__ = ["AlertStream"]

log = logging.getLogger(__name__)


class AlertStream(EventStream):
    """Keeps one device's alert stream open and feeds its AlarmTracker (`tracker`)."""

    LOG_CONNECTED = "alert_stream_connected"
    LOG_LOST = "alert_stream_lost"
    LOG_PART_SKIPPED = "alert_part_skipped"
    DIAG_STREAM = "alertStream"
    DIAG_PART = "alert part"
    ENDED = "the device ended the alert stream"
    DEFAULT_BOUNDARY = "boundary"

    __slots__ = ("_channel",)

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str, emit: EventSink,
                 diagnostics: Diagnostics, channel: int, idle_timeout_s: float, stale_s: float,
                 reconnect_min_s: float, reconnect_max_s: float) -> None:
        super().__init__(http, path, device=device, emit=emit, diagnostics=diagnostics,
                         idle_timeout_s=idle_timeout_s, reconnect_min_s=reconnect_min_s,
                         reconnect_max_s=reconnect_max_s, stale_s=stale_s)
        self._channel = channel

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
