"""The ISAPI alert stream of an ITC camera: ANPR alerts followed by their JPEG parts.

`GET /ISAPI/Event/notification/alertStream` is one never-ending `multipart/mixed` response
(boundary from its Content-Type, `boundary` when absent): an XML/JSON alert per part,
heartbeats (`videoloss`/`inactive`, `heartBeat`) between events, and on ITC firmware the images
of an ANPR alert as `image/jpeg` parts right after it (`picNum` says how many). Images are
collected until `picNum` arrived; the next alert, a heartbeat, or the end of the stream closes
an alert early (a stream cannot be asked again, so the record is stored with the images that
did arrive and the shortfall is logged and counted, rather than losing the violation).
A part that does not frame or parse is skipped and counted; silence longer than
`idle_timeout_s` drops and re-opens the stream (the gateway restarts `stream_events`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from adapters.hikvision_itc.codec import Alert, parse_alert
from adapters.hikvision_itc.deliver import Deliverer, DeliveryError
from adapters.hikvision_itc.upload import Image, sniff_image
from gateway.sdk import DecodeError
from gateway.sdk.http import HttpDevice, Part, PartError, iter_parts

__all__ = ["AlertStream"]

log = logging.getLogger(__name__)
_FILENAME = re.compile(r"""filename="?([^";]+)"?""", re.I)
MAX_PART_BYTES = 16 * 1024 * 1024


class AlertStream:
    __slots__ = ("_http", "_path", "_device", "_deliver", "_idle_s", "_pending", "_images",
                 "connected", "down_since", "parts_ok", "parts_bad", "short_images",
                 "last_part")

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str,
                 deliverer: Deliverer, idle_timeout_s: float) -> None:
        self._http = http
        self._path = path
        self._device = device
        self._deliver = deliverer
        self._idle_s = idle_timeout_s
        self._pending: Alert | None = None
        self._images: list[Image] = []
        self.connected = False
        self.down_since: float = time.monotonic()
        self.parts_ok = self.parts_bad = self.short_images = 0
        self.last_part: float | None = None

    async def run_once(self) -> None:
        """One connection, until the device ends it; raises the transport's JunctionError."""
        try:
            async with self._http().stream(self._path) as resp:
                self.connected = True
                log.info("device=%s event=alert_stream_connected", self._device)
                async for item in iter_parts(resp, idle_timeout_s=self._idle_s,
                                             max_part_bytes=MAX_PART_BYTES,
                                             default_boundary="boundary"):
                    self.last_part = time.monotonic()
                    if isinstance(item, PartError):
                        self._bad(f"unframed part ({item.reason})", item.sample)
                    else:
                        await self._handle(item)
        finally:
            self.connected = False
            self.down_since = time.monotonic()
            await self._flush("stream ended")

    async def _handle(self, part: Part) -> None:
        ctype = part.content_type
        kind = ctype if ctype.startswith("image/") else sniff_image(part.body)
        if kind is not None:
            if self._pending is None:
                self.parts_ok += 1  # a picture of a non-ANPR alert: not evidence
                return
            match = _FILENAME.search(part.headers.get("content-disposition", ""))
            self._images.append(Image(match.group(1) if match else None, kind, part.body))
            self.parts_ok += 1
            if len(self._images) >= (self._pending.pic_num or 0):
                await self._flush(None)
            return
        try:
            alert = parse_alert(part.body, "alert part")
        except DecodeError as err:
            self._bad(err.message, part.body[:200])
            return
        self.parts_ok += 1
        await self._flush("next alert arrived")
        if alert.is_anpr and (alert.pic_num or 0) > 0:
            self._pending, self._images = alert, []
            return
        await self._send(alert, [])

    async def _flush(self, early: str | None) -> None:
        alert, images = self._pending, self._images
        self._pending, self._images = None, []
        if alert is None:
            return
        if early is not None:
            self.short_images += 1
            log.warning("device=%s event=alert_images_short uuid=%s expected=%s got=%d "
                        "because=%r", self._device, alert.uuid, alert.pic_num, len(images),
                        early)
        await self._send(alert, images)

    async def _send(self, alert: Alert, images: list[Image]) -> None:
        try:
            await self._deliver.deliver(alert, images, "alert_stream")
        except DeliveryError as err:
            self._bad(f"{err.reason}: {err.message}", b"")

    def _bad(self, message: str, sample: bytes) -> None:
        self.parts_bad += 1
        if self.parts_bad == 1 or self.parts_bad % 100 == 0:
            log.warning("device=%s event=alert_part_skipped count=%d error=%r sample=%r",
                        self._device, self.parts_bad, message, sample[:80])
