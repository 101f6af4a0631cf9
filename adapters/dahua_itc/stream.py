"""The attach stream of a Dahua ITC camera: traffic events, their images, snapshot groups.

`eventManager.cgi?action=attach&codes=[TrafficJunction,TrafficRunRedLight,...]&heartbeat=N`
answers one never-ending `multipart/x-mixed-replace` response. Per event the camera sends a
text part and, on firmware that pushes pictures, an `image/jpeg` part right after it; otherwise
the picture is fetched from `snapshot.cgi` (`image_source: auto`). A violation's evidence is a
snapshot group: `CountInGroup` events sharing a `GroupID`, one picture each; the group becomes
one record once every index arrived, or after `group_timeout_s` with what arrived (the stream
cannot be asked again, so a short group is stored and logged rather than lost). Plate reads
are announced at once and their picture is skipped. Parts are split with the SDK's
`MultipartSplitter` (one bad part costs one part); the read loop keeps two deadlines, silence
(`idle_timeout_s`: the stream is dropped and re-opened) and the earliest image wait or group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

from adapters.dahua_itc.codec import is_heartbeat, parse_part
from adapters.dahua_itc.const import BOUNDARY
from adapters.dahua_itc.mapping import Read, RuleTable, normalize
from gateway.sdk import DecodeError, DeviceRefused, DeviceTimeout, ProtocolError
from gateway.sdk.http import (
    HttpDevice,
    MultipartSplitter,
    Part,
    PartError,
    boundary_from_content_type,
)

__all__ = ["Image", "AttachStream"]

log = logging.getLogger(__name__)
Image = tuple[bytes, str]  # content, content type
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


@dataclass(slots=True)
class _Awaiting:
    read: Read
    deadline: float
    discard: bool = False  # a plate read: its picture is not evidence


@dataclass(slots=True)
class _Group:
    read: Read
    deadline: float
    images: dict[int, Image | None] = field(default_factory=dict)


class AttachStream:
    __slots__ = ("_http", "_path", "_device", "_table", "_deliver", "_snapshot", "_source",
                 "_wait_s", "_group_s", "_idle_s", "_max_part", "_awaiting", "_groups",
                 "connected", "down_since", "last_part", "counts")

    def __init__(self, http: Callable[[], HttpDevice], path: str, *, device: str,
                 table: RuleTable, deliver: Callable[[Read, list[Image]], Awaitable[None]],
                 snapshot: Callable[[int], Awaitable[Image | None]], image_source: str,
                 image_wait_s: float, group_timeout_s: float, idle_timeout_s: float,
                 max_part_bytes: int) -> None:
        self._http, self._path, self._device = http, path, device
        self._table = table
        self._deliver, self._snapshot = deliver, snapshot
        self._source = image_source
        self._wait_s, self._group_s, self._idle_s = image_wait_s, group_timeout_s, idle_timeout_s
        self._max_part = max_part_bytes
        self._awaiting: _Awaiting | None = None
        self._groups: dict[str, _Group] = {}
        self.connected = False
        self.down_since = time.monotonic()
        self.last_part: float | None = None
        self.counts: dict[str, int] = {}

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    async def run_once(self) -> None:
        """One attach, until the device ends it or it stalls (raises the transport error).
        Reads the socket itself, with one deadline for silence (`idle_timeout_s`) and one for
        the earliest image wait or group, so no helper task outlives the call."""
        async with self._http().stream(self._path) as resp:
            content_type = resp.headers.get("Content-Type", "")
            boundary = boundary_from_content_type(content_type) or BOUNDARY
            if not content_type.lower().startswith("multipart/"):
                raise ProtocolError(f"attach answered {content_type or 'untyped'!r}, not a "
                                    "multipart stream")
            splitter = MultipartSplitter(boundary, max_part_bytes=self._max_part)
            self.connected = True
            log.info("device=%s event=attach_stream_connected", self._device)
            try:
                await self._pump(resp, splitter)
            finally:
                self.connected = False
                self.down_since = time.monotonic()
                await self._flush_all()

    async def _pump(self, resp: aiohttp.ClientResponse, splitter: MultipartSplitter) -> None:
        silent_until = time.monotonic() + self._idle_s
        while True:
            due = min([silent_until, *self._deadlines()])
            try:
                async with asyncio.timeout(max(0.0, due - time.monotonic())):
                    chunk = await resp.content.readany()  # cancel-safe: data stays buffered
            except TimeoutError:
                if time.monotonic() >= silent_until:
                    raise DeviceTimeout(f"attach stream stalled: no part (event or "
                                        f"heartbeat) for {self._idle_s:g} s") from None
                await self._expire(time.monotonic())
                continue
            except (aiohttp.ClientError, OSError) as err:
                raise DeviceRefused(f"attach stream dropped: {err}") from err
            if not chunk:
                return  # the device ended the stream
            for item in splitter.feed(chunk):
                if isinstance(item, PartError):
                    self._bad(f"unframed part ({item.reason})", item.sample)
                    continue
                silent_until = self.last_part = time.monotonic()
                silent_until += self._idle_s
                await self._handle(item)
            await self._expire(time.monotonic())

    def _deadlines(self) -> list[float]:
        out = [g.deadline for g in self._groups.values()]
        if self._awaiting is not None:
            out.append(self._awaiting.deadline)
        return out

    async def _handle(self, part: Part) -> None:
        kind = part.content_type if part.content_type.startswith("image/") else \
            next((t for m, t in _MAGIC.items() if part.body.startswith(m)), None)
        if kind is not None:
            waiting, self._awaiting = self._awaiting, None
            if waiting is None:
                self._count("stray_image")
            elif not waiting.discard:
                await self._add(waiting.read, (part.body, kind))
            return
        if is_heartbeat(part.body):
            self._count("heartbeat")
            await self._resolve()
            return
        try:
            events = parse_part(part.body)
        except DecodeError as err:
            self._bad(err.message, part.body[:200])
            return
        for event in events:
            await self._resolve()
            try:
                read = normalize(event, self._table)
            except DecodeError as err:
                self._bad(f"{event.code}: {err.message}", part.body[:200])
                continue
            await self._on_read(read)

    async def _on_read(self, read: Read) -> None:
        now = time.monotonic()
        if read.violation is None:
            self._count("plate_read")
            await self._deliver(read, [])
            if self._source in ("auto", "stream"):
                self._awaiting = _Awaiting(read, now + self._wait_s, discard=True)
            return
        if self._source in ("auto", "stream"):
            self._awaiting = _Awaiting(read, now + self._wait_s)
        elif self._source == "snapshot":
            await self._add(read, await self._snapshot(read.channel))
        else:
            await self._add(read, None)

    async def _resolve(self) -> None:
        """The awaited event got no image part: snapshot (auto) or none."""
        waiting, self._awaiting = self._awaiting, None
        if waiting is None or waiting.discard:
            return
        image = await self._snapshot(waiting.read.channel) if self._source == "auto" else None
        await self._add(waiting.read, image)

    async def _add(self, read: Read, image: Image | None) -> None:
        group = self._groups.get(read.raw_id)
        if group is None:
            group = self._groups[read.raw_id] = _Group(read, time.monotonic() + self._group_s)
        group.images[read.group_index] = image
        if len(group.images) >= read.group_count:
            del self._groups[read.raw_id]
            await self._finish(group, short=None)

    async def _finish(self, group: _Group, short: str | None) -> None:
        images = [img for _, img in sorted(group.images.items()) if img is not None]
        if short is not None:
            self._count("short_group")
            log.warning("device=%s event=snapshot_group_short raw_id=%s expected=%d got=%d "
                        "because=%r", self._device, group.read.raw_id, group.read.group_count,
                        len(group.images), short)
        await self._deliver(group.read, images)

    async def _expire(self, now: float) -> None:
        if self._awaiting is not None and self._awaiting.deadline <= now:
            await self._resolve()
        for key, group in list(self._groups.items()):
            if group.deadline <= now:
                del self._groups[key]
                await self._finish(group, short="group_timeout_s passed")

    async def _flush_all(self) -> None:
        with contextlib.suppress(Exception):
            await self._resolve()
        groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            await self._finish(group, short="stream ended")

    def _bad(self, message: str, sample: bytes) -> None:
        self._count("bad_part")
        bad = self.counts["bad_part"]
        if bad == 1 or bad % 100 == 0:
            log.warning("device=%s event=attach_part_skipped count=%d error=%r sample=%r",
                        self._device, bad, message, sample[:80])
