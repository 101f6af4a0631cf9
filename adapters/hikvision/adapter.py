"""Hikvision cameras over ISAPI: identity, status and clock, streams, snapshot, PTZ, events.

One `HttpDevice` per camera carries digest auth (digest-only since firmware 5.7.13; `auth:
auto` also takes Basic from old firmware) for polls, commands and the alert stream alike.
A poll is two GETs at once (System/status and PTZ status); streams and presets are read at
open. Paths fall back to the pre-ISAPI form on a 404 (old firmware, as pyHik does), and every
document is read by local name, whatever namespace the firmware writes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import ClassVar, Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from adapters.hikvision import codec, mapping
from adapters.hikvision import const as C
from adapters.hikvision.events import AlertStream
from gateway.model import CameraState, Command, CommandName, DeviceKind, PtzState
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    CommandRejected,
    CommandResult,
    ConfigError,
    DecodeError,
    DeviceIdentity,
    ProtocolError,
    Reading,
    Snapshot,
    Unsupported,
)
from gateway.sdk.http import HttpCamera, HttpReply

__all__ = ["HikvisionOptions", "HikvisionAdapter"]

STREAMS_RETRY_S = 60.0


class HikvisionOptions(BaseModel):
    """Per-profile / per-device settings (profile `options:`, overridden by the device's)."""

    model_config = ConfigDict(extra="forbid")

    auth: Literal["auto", "digest", "basic"] = Field(
        default="auto", description="auto: answer a Digest challenge, fall back to Basic")
    channel: int = Field(default=1, ge=1, le=256, description="video input channel (1-based)")
    rtsp_port: int = Field(default=554, ge=1, le=65535)
    events: bool = Field(default=True, description="hold the alert stream open")
    heartbeat_timeout_s: float = Field(default=30.0, gt=0.2, le=600,
                                       description="alert stream silence before reconnecting")
    stale_event_s: float = Field(default=5.0, gt=0.1, le=600,
                                 description="an 'active' not repeated this long has ended")
    reconnect_min_s: float = Field(default=1.0, gt=0, le=60)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=600)


class HikvisionAdapter(HttpCamera):
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="hikvision",
        title="Hikvision IP cameras (ISAPI)",
        protocols=("http", "isapi"),
        kinds=(DeviceKind.CAMERA,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS, Capability.EVENTS,
                                Capability.SNAPSHOT}),
        commands=frozenset({CommandName.PTZ_MOVE, CommandName.PTZ_STOP,
                            CommandName.GOTO_PRESET}),
        default_port=80,
        options_model=HikvisionOptions,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._opts = HikvisionOptions.model_validate(context.options)
        if self._opts.reconnect_max_s < self._opts.reconnect_min_s:
            raise ConfigError("reconnect_max_s must be >= reconnect_min_s")
        super().__init__(context, self._opts.auth)
        self._prefix = C.ISAPI_PREFIX
        self._ns = codec.DEFAULT_NS
        self._streams_at = 0.0
        self._has_status = True
        self._moving = False
        self._alerts: AlertStream | None = None

    # -- plumbing ---------------------------------------------------------------------------
    async def _get(self, path: str, what: str, *, missing: tuple[int, ...] = ()
                   ) -> etree._Element | None:
        """GET an ISAPI document; None when the status is in `missing` (404 not found,
        403 notSupport); other failures raise."""
        reply = await self._client().request("GET", self._prefix + path)
        if reply.status in missing:
            return None
        return self._check(reply, what)

    def _check(self, reply: HttpReply, what: str) -> etree._Element:
        if reply.status != 200:
            raise ProtocolError(f"{what}: HTTP {reply.status} {self._status_text(reply)}",
                                detail={"status": reply.status})
        return codec.parse_xml(reply.body, what)

    @staticmethod
    def _status_text(reply: HttpReply) -> str:
        try:
            status = codec.parse_response_status(codec.parse_xml(reply.body, "error body"))
        except DecodeError:
            return repr(reply.body[:80])
        return status.describe() if status else repr(reply.body[:80])

    # -- lifecycle --------------------------------------------------------------------------
    async def _open(self) -> DeviceIdentity:
        self._prefix = C.ISAPI_PREFIX
        root = await self._get(C.DEVICE_INFO, "deviceInfo", missing=(404,))
        if root is None:  # pre-ISAPI firmware
            self._prefix = ""
            root = await self._get(C.DEVICE_INFO, "deviceInfo (legacy path)")
        assert root is not None
        self._ns = codec.namespace(root) or codec.DEFAULT_NS
        info = codec.parse_device_info(root)
        await asyncio.gather(self._read_streams(), self._read_presets())
        firmware = " ".join(p for p in (info.firmware, info.firmware_date) if p) or None
        return DeviceIdentity(vendor=C.VENDOR, model=info.model, firmware=firmware,
                              serial=info.serial)

    async def _read_streams(self) -> None:
        """Stream list for /state; a camera that refuses it still works (level stays
        `authenticated`), and the list is asked again at most once a minute."""
        self._streams_at = time.monotonic()
        try:
            root = await self._get(C.CHANNELS, "streaming channels")
        except (ProtocolError, DecodeError):
            self._streams = []
            return
        assert root is not None
        base = self._rtsp_base(self._opts.rtsp_port)
        wanted = range(self._opts.channel * 100, self._opts.channel * 100 + 100)
        self._streams = [mapping.stream(ch, base) for ch in codec.parse_channels(root)
                         if ch.enabled and ch.id in wanted]

    async def _read_presets(self) -> None:
        reply = await self._client().request(
            "GET", self._prefix + C.ptz(self._opts.channel, "presets"))
        if reply.status != 200:  # 403/404 notSupport: a fixed camera
            self._has_ptz, self._presets = False, {}
            return
        self._has_ptz = True
        self._presets = dict(codec.parse_presets(codec.parse_xml(reply.body, "PTZ presets")))

    # -- polling ----------------------------------------------------------------------------
    async def _read(self) -> Reading:
        received = datetime.now(UTC)
        if not self._streams and time.monotonic() - self._streams_at > STREAMS_RETRY_S:
            await self._read_streams()
        if self._has_ptz:
            (uptime, device_time), ptz_root = await asyncio.gather(
                self._clock(), self._get(C.ptz(self._opts.channel, "status"), "PTZ status"))
        else:
            (uptime, device_time), ptz_root = await self._clock(), None
        ptz = PtzState(supported=self._has_ptz, presets=list(self._presets.values()))
        if ptz_root is not None:
            ptz.pan, ptz.tilt, ptz.zoom = mapping.pan_tilt_zoom(*codec.parse_ptz_status(ptz_root))
            ptz.moving = self._moving
        alarms, down = self._alerts.status(self._opts.channel) if self._alerts else ({}, None)
        problems = ("alert_stream",) if down else ()
        state = CameraState(received_at=received, device_time=device_time,
                            streams=list(self._streams), snapshot_supported=True, ptz=ptz,
                            alarms=alarms)
        return Reading(state=state, uptime_s=uptime, device_time=device_time,
                       problems=problems, problem_reason=down or "protocol_error",
                       level=self._level())

    async def _clock(self) -> tuple[float | None, datetime | None]:
        """(uptime, device time) from System/status; its time from System/time when it has
        none, and only System/time on firmware without System/status (403/404)."""
        uptime: float | None = None
        if self._has_status:
            status = await self._get(C.STATUS, "System/status", missing=(403, 404))
            if status is None:
                self._has_status = False
            else:
                uptime, device_time = codec.parse_status(status)
                if device_time is not None:
                    return uptime, device_time
        time_root = await self._get(C.TIME, "System/time")
        assert time_root is not None
        return uptime, codec.parse_local_time(time_root)

    # -- snapshot ---------------------------------------------------------------------------
    async def snapshot(self, max_bytes: int) -> Snapshot:
        path = self._prefix + C.picture(self._opts.channel * 100 + 1)
        reply = await self._client().request("GET", path, max_bytes=max_bytes,
                                             timeout_s=max(self._ctx.device.poll.timeout_s, 5))
        if reply.status != 200:
            raise ProtocolError(f"snapshot: HTTP {reply.status} {self._status_text(reply)}")
        if not reply.body.startswith(b"\xff\xd8"):
            raise DecodeError(f"snapshot: not a JPEG ({reply.content_type or 'untyped'}, "
                              f"{reply.body[:16]!r})")
        return Snapshot(reply.body, "image/jpeg")

    # -- commands ---------------------------------------------------------------------------
    async def execute(self, command: Command) -> CommandResult:
        if command.name not in self.info.commands:
            raise Unsupported(f"hikvision does not implement {command.name.value}")
        if not self._has_ptz:
            raise Unsupported("this camera has no PTZ (ISAPI PTZCtrl answers notSupport)")
        ch = self._opts.channel
        if command.name == CommandName.GOTO_PRESET:
            ident = await self._find_preset(str(command.args["preset"]))
            await self._put(C.ptz(ch, f"presets/{ident}/goto"), b"", f"goto preset {ident}")
            self._moving = False
            return CommandResult(message=f"moving to preset {self._presets[ident]!r} "
                                 f"(id {ident})", detail={"preset_id": ident})
        if command.name == CommandName.PTZ_STOP:
            pan = tilt = zoom = 0
        else:
            pan, tilt = mapping.speed(command.args["pan"]), mapping.speed(command.args["tilt"])
            zoom = mapping.speed(command.args.get("zoom", 0))
        await self._put(C.ptz(ch, "continuous"), codec.ptz_data(pan, tilt, zoom, self._ns),
                        "continuous move")
        self._moving = bool(pan or tilt or zoom)
        return CommandResult(message="moving" if self._moving else "stopped",
                             detail={"pan": pan, "tilt": tilt, "zoom": zoom})

    async def _put(self, path: str, body: bytes, what: str) -> None:
        reply = await self._client().request("PUT", self._prefix + path, body=body,
                                             content_type="application/xml")
        status = None
        if reply.body.strip():
            try:
                status = codec.parse_response_status(codec.parse_xml(reply.body, what))
            except DecodeError:
                status = None
        if reply.status == 200 and (status is None or status.ok):
            return
        detail = status.describe() if status else repr(reply.body[:80])
        raise CommandRejected(f"{what}: camera refused (HTTP {reply.status}, {detail})",
                              detail={"status": reply.status})

    # -- events -----------------------------------------------------------------------------
    async def stream_events(self) -> None:
        if not self._opts.events:
            await asyncio.Event().wait()  # never: alert stream switched off for this device
        if self._alerts is None:
            o = self._opts
            self._alerts = AlertStream(
                self._client, self._prefix + C.ALERT_STREAM, device=self._ctx.device.id,
                emit=self._ctx.emit, diagnostics=self._ctx.diagnostics, channel=o.channel,
                idle_timeout_s=o.heartbeat_timeout_s, stale_s=o.stale_event_s,
                reconnect_min_s=o.reconnect_min_s, reconnect_max_s=o.reconnect_max_s)
        await self._alerts.run()
