"""Dahua ITC enforcement cameras: traffic events from the attach stream, with their images.

The camera is pulled from: `open()` identifies it (magicBox), then the gateway runs
`stream_events()`, which holds `eventManager.cgi?action=attach` open for the configured traffic
codes and turns each violation group into a `ViolationRecord` committed with its images
(`context.ingest`), each checkpoint pass into an `enforcement.plate_read` event. One
`HttpDevice` per camera carries digest auth for the stream and for `snapshot.cgi`.

Health (`read`): one cheap magicBox `getSystemInfo` per poll (a hung CGI is a hung camera, even
while its stream still trickles); the stream down longer than one watchdog period, or parts
skipped since the last poll, make the device degraded, not down.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import ClassVar

from adapters.dahua_itc import const as C
from adapters.dahua_itc.mapping import Read, RuleTable
from adapters.dahua_itc.options import DahuaItcOptions
from adapters.dahua_itc.stream import AttachStream, Image
from gateway.model import CameraState, DeviceKind, EventType
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    DecodeError,
    DeviceIdentity,
    EvidenceUpload,
    InvalidArguments,
    JunctionError,
    ProtocolError,
    Reading,
)
from gateway.sdk.http import HttpDevice, device_client

__all__ = ["DahuaItcAdapter"]

log = logging.getLogger(__name__)
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def _kv(text: str) -> dict[str, str]:
    """`key=value` lines (split on the first '=' only: values may contain '=')."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, eq, val = line.partition("=")
        if eq:
            out[key.strip()] = val.strip()
    return out


class DahuaItcAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="dahua_itc",
        title="Dahua ITC enforcement cameras (attach stream, snapshot.cgi)",
        protocols=("http", "dahua-cgi"),
        kinds=(DeviceKind.ENFORCEMENT_CAMERA,),
        capabilities=frozenset({Capability.READ_STATE, Capability.EVENTS}),
        default_port=80,
        options_model=DahuaItcOptions,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._opts = o = DahuaItcOptions.model_validate(context.options)
        self._table = RuleTable(o.rule_codes, o.pass_numeric_codes, o.utc_offset_s)
        self._http: HttpDevice | None = None
        self.stream: AttachStream | None = None
        self.counts: dict[str, int] = {}
        self._bad_seen = 0
        self._opened_at = time.monotonic()

    def _client(self) -> HttpDevice:
        if self._http is None:
            self._http = device_client(self._ctx, self._opts.auth)
        return self._http

    async def _get_kv(self, path: str, what: str) -> dict[str, str]:
        reply = await self._client().request("GET", path)
        text = reply.text()
        if reply.status != 200 or text.lstrip().startswith("Error"):
            raise ProtocolError(f"{what}: HTTP {reply.status} {text[:80]!r}",
                                detail={"status": reply.status})
        fields = _kv(text)
        if not fields:
            raise DecodeError(f"{what}: no key=value lines in {text[:80]!r}")
        return fields

    # -- lifecycle --------------------------------------------------------------------------
    async def open(self) -> DeviceIdentity:
        self._opened_at = time.monotonic()
        info = await self._get_kv(C.SYSTEM_INFO, "getSystemInfo")
        try:
            version = (await self._get_kv(C.SOFTWARE_VERSION, "getSoftwareVersion")).get(
                "version")
        except ProtocolError:
            version = None
        return DeviceIdentity(vendor=C.VENDOR, model=info.get("deviceType"),
                              firmware=version, serial=info.get("serialNumber"))

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def read(self) -> Reading:
        stream = self.stream
        idle = self._opts.heartbeat_s * self._opts.missed_heartbeats
        fresh = stream is not None and stream.connected and stream.last_part is not None \
            and time.monotonic() - stream.last_part <= idle
        await self._get_kv(C.SYSTEM_INFO, "getSystemInfo")
        state = CameraState(kind="enforcement_camera", received_at=datetime.now(UTC),
                            snapshot_supported=True)
        problems: tuple[str, ...] = ()
        reason = "timeout"
        if stream is None or not stream.connected:
            down = stream.down_since if stream is not None else self._opened_at
            if time.monotonic() - max(down, self._opened_at) > idle:
                problems = ("attach_stream",)  # down longer than one watchdog period
        elif (bad := stream.counts.get("bad_part", 0)) > self._bad_seen:
            # parts skipped since the last poll (undatable, malformed): degraded, not down
            self._bad_seen, problems, reason = bad, ("event_parts",), "decode_error"
        return Reading(state=state, problems=problems, problem_reason=reason,
                       level="streaming" if fresh else "answers_cgi")

    # -- events -----------------------------------------------------------------------------
    async def stream_events(self) -> None:
        o = self._opts
        if self.stream is None:
            self.stream = AttachStream(
                self._client, C.attach_path(o.codes, o.heartbeat_s), device=self._ctx.device.id,
                table=self._table, deliver=self._deliver, snapshot=self._snapshot,
                image_source=o.image_source, image_wait_s=o.image_wait_s,
                group_timeout_s=o.group_timeout_s,
                idle_timeout_s=float(o.heartbeat_s * o.missed_heartbeats),
                max_part_bytes=o.max_image_bytes + 64 * 1024)
        await self.stream.run_once()

    async def _snapshot(self, channel: int) -> Image | None:
        """The current picture of a 0-based channel, or None (logged) when unavailable."""
        path = C.snapshot_path(channel + self._opts.snapshot_channel_base)
        try:
            reply = await self._client().request("GET", path, max_bytes=self._opts.max_image_bytes)
        except JunctionError as err:
            self._count("snapshot_failed")
            log.warning("device=%s event=snapshot_failed reason=%s", self._ctx.device.id,
                        err.reason)
            return None
        if reply.status != 200 or not reply.body.startswith(_MAGIC):
            self._count("snapshot_failed")
            log.warning("device=%s event=snapshot_failed status=%d body=%r",
                        self._ctx.device.id, reply.status, reply.body[:40])
            return None
        ctype = "image/jpeg" if reply.body.startswith(_MAGIC[0]) else "image/png"
        return reply.body, ctype

    def _count(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    async def _deliver(self, read: Read, images: list[Image]) -> None:
        """Store a violation (durably, with its images) or announce a plate read."""
        if read.violation is None:
            if self._opts.emit_plate_reads:
                self._ctx.emit(EventType.ENFORCEMENT_PLATE_READ,
                               {**read.event_data(), "source": "attach"}, read.time)
            return
        site = self._ctx.device.site
        uploads = [EvidenceUpload("overview", body, ctype) for body, ctype in images]
        try:
            created = await self._ctx.ingest(read.record(site.intersection_id if site else None),
                                             uploads)
        except InvalidArguments as err:  # e.g. a corrupt picture: store the record without
            self._count(f"refused_{err.detail.get('reason', 'invalid')}")
            log.warning("device=%s event=record_refused raw_id=%s reason=%s message=%r",
                        self._ctx.device.id, read.raw_id, err.detail.get("reason"), err.message)
            if not uploads:
                return
            created = await self._ctx.ingest(
                read.record(site.intersection_id if site else None), [])
        self._count("stored" if created else "duplicate")
