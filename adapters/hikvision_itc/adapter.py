"""Hikvision ITC / ANPR enforcement cameras: violations and plate reads with their evidence.

Two ways in, per device (`mode`): the camera pushes each alert to Junction's HTTP-host receiver
(`push`, the usual ITC set-up; one port shared by all cameras), or Junction holds the ISAPI
alert stream open (`alert_stream`), or both. Either way an ANPR alert with a violation becomes a
`ViolationRecord` committed with its images before the camera is answered; one without becomes
an `enforcement.plate_read` event.

Health (`read`) is liveness, not a poll of the camera: an ITC camera's job is to send, and a
push or stream part within `liveness_s` (heartbeats included) proves it alive without a request.
When it has been quiet that long, `read` asks ISAPI `deviceInfo` (if `probe`), so a camera on a
quiet road is not reported down; a push-only camera behind NAT (`probe: false`) is down after
`liveness_s` of silence. The receiver's own listening socket is opened in `open()`, so pushes
are accepted whether or not the camera's ISAPI is reachable from the gateway.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import ClassVar

from lxml import etree
from pydantic import BaseModel

from adapters.hikvision_itc import const as C
from adapters.hikvision_itc.deliver import Deliverer
from adapters.hikvision_itc.mapping import CodeTable
from adapters.hikvision_itc.options import HikvisionItcOptions, parse_offset
from adapters.hikvision_itc.receiver import PushReceiver, Route, open_receiver
from adapters.hikvision_itc.stream import AlertStream
from gateway.model import CameraState, DeviceConfig, DeviceKind
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    DecodeError,
    DeviceIdentity,
    DeviceTimeout,
    JunctionError,
    ProtocolError,
    Reading,
)
from gateway.sdk.http import HttpDevice, device_client

__all__ = ["HikvisionItcAdapter"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _check(device: DeviceConfig, options: BaseModel) -> list[str]:
    """A push device must be routable: at least one identifier its alerts carry."""
    assert isinstance(options, HikvisionItcOptions)
    if options.mode != "alert_stream" and options.device_id is None and \
            options.mac_address is None and not options.match_ip:
        return ["options: a push device needs device_id, mac_address or match_ip: true, or "
                "its pushes cannot be routed to it"]
    return []


class HikvisionItcAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="hikvision_itc",
        title="Hikvision ITC / ANPR enforcement cameras (HTTP-host push, ISAPI alert stream)",
        protocols=("http", "isapi"),
        kinds=(DeviceKind.ENFORCEMENT_CAMERA,),
        capabilities=frozenset({Capability.READ_STATE, Capability.EVENTS}),
        default_port=80,
        options_model=HikvisionItcOptions,
        check_device=_check,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._opts = o = HikvisionItcOptions.model_validate(context.options)
        table = CodeTable(o.violation_codes, o.pass_numeric_codes,
                          parse_offset(o.naive_time_offset) if o.naive_time_offset else None)
        self.deliverer = Deliverer(context, table, emit_reads=o.emit_plate_reads)
        self.receiver: PushReceiver | None = None
        self._route: Route | None = None
        self._http: HttpDevice | None = None
        self._stream: AlertStream | None = None
        self._identity = DeviceIdentity(vendor=C.VENDOR)
        self._opened_at = time.monotonic()

    def _client(self) -> HttpDevice:
        if self._http is None:
            self._http = device_client(self._ctx, self._opts.auth)
        return self._http

    # -- lifecycle --------------------------------------------------------------------------
    async def open(self) -> DeviceIdentity:
        o = self._opts
        self._opened_at = time.monotonic()
        if o.mode in ("push", "both") and self.receiver is None:
            key = f"push:{o.listen_host}:{o.listen_port}"
            receiver = await self._ctx.shared.get(
                key, lambda: open_receiver(o.listen_host, o.listen_port, o.startup_grace_s,
                                           o.max_body_bytes, o.max_image_bytes),
                _close_receiver)
            dev = self._ctx.device
            self._route = Route(
                device=dev.id, device_id=o.device_id, mac_address=o.mac_address,
                ip_address=dev.endpoint.host if o.match_ip else None,
                max_image_bytes=o.max_image_bytes, max_body_bytes=o.max_body_bytes,
                deliver=self.deliverer.deliver)
            receiver.register(self._route)
            self.receiver = receiver
        if o.mode != "push" or o.probe:
            try:
                self._identity = await self._device_info()
            except JunctionError:
                if o.mode != "push":  # a push camera's ISAPI may be out of reach (NAT)
                    raise
        return self._identity

    async def _device_info(self) -> DeviceIdentity:
        reply = await self._client().request("GET", C.DEVICE_INFO)
        if reply.status != 200:
            raise ProtocolError(f"deviceInfo: HTTP {reply.status}", detail={"status": reply.status})
        try:
            root = etree.fromstring(reply.body, _PARSER)
        except etree.XMLSyntaxError as err:
            raise DecodeError(f"deviceInfo: not XML: {err}") from None
        fields = {el.tag.rpartition("}")[2]: (el.text or "").strip()
                  for el in root.iter() if isinstance(el.tag, str)}
        return DeviceIdentity(vendor=C.VENDOR, model=fields.get("model") or None,
                              firmware=fields.get("firmwareVersion") or None,
                              serial=fields.get("serialNumber") or None)

    async def close(self) -> None:
        if self.receiver is not None and self._route is not None:
            self.receiver.unregister(self._route)
        self.receiver = self._route = None
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    # -- health -----------------------------------------------------------------------------
    async def read(self) -> Reading:
        now = time.monotonic()
        seen = [t for t in (self.deliverer.last_seen,
                            self._stream.last_part if self._stream else None) if t is not None]
        heard = max(seen) if seen else None
        problems: tuple[str, ...] = ()
        if self._opts.mode != "push" and (self._stream is None or not self._stream.connected):
            down = self._stream.down_since if self._stream else self._opened_at
            if now - max(down, self._opened_at) > self._opts.heartbeat_timeout_s:
                problems = ("alert_stream",)  # down longer than one watchdog period
        # quiet since the last push/part, or since open when nothing came yet
        quiet_s = now - max(heard or self._opened_at, self._opened_at)
        alive = heard is not None and quiet_s <= self._opts.liveness_s
        if quiet_s > self._opts.liveness_s or (heard is None and self._opts.probe):
            if not self._opts.probe:
                raise DeviceTimeout(
                    f"no push from the camera for {quiet_s:.0f} s (liveness_s="
                    f"{self._opts.liveness_s:g}; probe is off)")
            self._identity = await self._device_info()
        state = CameraState(kind="enforcement_camera", received_at=datetime.now(UTC),
                            snapshot_supported=False)
        return Reading(state=state, problems=problems, problem_reason="timeout",
                       level="pushing" if alive else "answers_isapi" if self._opts.probe
                       else "listening")

    # -- events -----------------------------------------------------------------------------
    async def stream_events(self) -> None:
        """The alert stream (modes alert_stream/both); in push mode nothing to hold open."""
        if self._opts.mode == "push":
            await asyncio.Event().wait()
        if self._stream is None:
            self._stream = AlertStream(self._client, C.ALERT_STREAM, device=self._ctx.device.id,
                                       deliverer=self.deliverer,
                                       idle_timeout_s=self._opts.heartbeat_timeout_s)
        await self._stream.run_once()


async def _close_receiver(receiver: PushReceiver) -> None:
    await receiver.close()
