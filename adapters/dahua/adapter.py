"""Dahua cameras over the HTTP CGI API: identity, clock, streams, snapshot, PTZ, events.

One `HttpDevice` per camera carries digest auth for polls, commands and the event stream
(digest-only since 2017 firmware; `auth: auto` also takes Basic). Every answer is judged by
its body as well as its status: `Error` bodies come with 400 (older firmware), 501 (2024
firmware) or even 200 (some recorders). A read that fails that way is a `protocol_error`; a
command is `CommandRejected` (409), or `Unsupported` (501) for `Not Implemented!`.
Channels: one 1-based `channel` option; snapshot uses it 1-based (or 0-based for old firmware:
found automatically and remembered), PTZ and event index 0-based.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from adapters.dahua import codec, mapping
from adapters.dahua import const as C
from adapters.dahua.events import AttachStream
from gateway.model import CameraState, Command, CommandName, DeviceKind, PtzState
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    AuthFailed,
    Capability,
    CommandRejected,
    CommandResult,
    DecodeError,
    DeviceIdentity,
    JunctionError,
    ProtocolError,
    Reading,
    Snapshot,
    Unsupported,
)
from gateway.sdk.http import HttpCamera

__all__ = ["DahuaOptions", "DahuaAdapter"]

MISSING = ("Bad Request!", "Not Implemented!")  # what firmware says for an unknown request


class DahuaOptions(BaseModel):
    """Per-profile / per-device settings (profile `options:`, overridden by the device's)."""

    model_config = ConfigDict(extra="forbid")

    auth: Literal["auto", "digest", "basic"] = "auto"
    channel: int = Field(default=1, ge=1, le=256, description="video channel, 1-based")
    snapshot_channel_base: Literal[0, 1] = Field(
        default=1, description="1 per the API; 0 on some old firmware (tried automatically)")
    utc_offset_h: float = Field(default=0.0, ge=-14, le=14,
                                description="the camera's time zone: getCurrentTime is local")
    events: bool = Field(default=True, description="keep the event stream attached")
    heartbeat_s: int = Field(default=5, ge=1, le=60, description="asked of the event stream")
    missed_heartbeats: int = Field(default=3, ge=2, le=10,
                                   description="silence of this many heartbeats = stalled")
    reconnect_min_s: float = Field(default=1.0, gt=0, le=60)
    reconnect_max_s: float = Field(default=30.0, gt=0, le=600)


class DahuaAdapter(HttpCamera):
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="dahua",
        title="Dahua / Amcrest / Lorex IP cameras (HTTP CGI API)",
        protocols=("http", "dahua-cgi"),
        kinds=(DeviceKind.CAMERA,),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS, Capability.EVENTS,
                                Capability.SNAPSHOT}),
        commands=frozenset({CommandName.PTZ_MOVE, CommandName.PTZ_STOP,
                            CommandName.GOTO_PRESET}),
        default_port=80,
        options_model=DahuaOptions,
    )
    MAX_CONNECTIONS = 3  # the event stream + 2 requests: a small CGI server wedges under more

    def __init__(self, context: AdapterContext) -> None:
        self._opts = DahuaOptions.model_validate(context.options)
        super().__init__(context, self._opts.auth)
        self._snapshot_base: int = self._opts.snapshot_channel_base
        self._has_uptime = True
        self._running: set[str] = set()  # PTZ codes started and not stopped
        self._events: AttachStream | None = None

    # -- plumbing ---------------------------------------------------------------------------
    async def _get(self, path: str, what: str, *, optional: bool = False,
                   command: bool = False) -> str | None:
        """GET a CGI; its text, or None for an `optional` request the firmware lacks."""
        reply = await self._client().request("GET", path)
        reason = codec.error_reason(reply.body)
        if reason is None and reply.status == 200:
            return reply.text()
        reason = reason or f"HTTP {reply.status}"
        if optional and (reason in MISSING or reply.status in (400, 404, 501)):
            return None
        message = f"{what}: device answered {reason!r} (HTTP {reply.status})"
        detail: dict[str, object] = {"status": reply.status, "device_error": reason}
        if command:
            if reason == "Not Implemented!":
                raise Unsupported(message, detail=detail)
            raise CommandRejected(message, detail=detail)
        if reason == "Invalid Authority!":
            raise AuthFailed(message, detail=detail)
        raise ProtocolError(message, detail=detail)

    async def _kv(self, path: str, what: str) -> dict[str, str]:
        text = await self._get(path, what)
        assert text is not None
        return codec.parse_kv(text)

    # -- lifecycle --------------------------------------------------------------------------
    async def _open(self) -> DeviceIdentity:
        device_type = (await self._kv(C.DEVICE_TYPE, "getDeviceType")).get("type")
        system, version, _, _ = await asyncio.gather(
            self._get(C.SYSTEM_INFO, "getSystemInfo", optional=True),
            self._get(C.SOFTWARE_VERSION, "getSoftwareVersion", optional=True),
            self._read_streams(), self._read_presets())
        info = codec.parse_kv(system or "")
        self._has_uptime = True
        return DeviceIdentity(vendor=C.VENDOR, model=device_type or info.get("deviceType"),
                              firmware=codec.parse_software_version(version or ""),
                              serial=info.get("serialNumber"))

    async def _read_streams(self) -> None:
        encode = await self._get(C.ENCODE, "Encode config", optional=True)
        rtsp = await self._get(C.RTSP, "RTSP config", optional=True)
        port = codec.parse_kv(rtsp or "").get("table.RTSP.Port", "554")
        base = self._rtsp_base(port)
        self._streams = [mapping.stream(s, base) for s in codec.parse_encode(encode or "")
                         if s.channel == self._opts.channel - 1]

    async def _read_presets(self) -> None:
        text = await self._get(C.ptz("getPresets", self._opts.channel - 1), "PTZ presets",
                               optional=True)
        self._has_ptz = text is not None
        self._presets = dict(codec.parse_presets(text or ""))

    # -- polling ----------------------------------------------------------------------------
    async def _read(self) -> Reading:
        received = datetime.now(UTC)
        ch = self._opts.channel - 1
        clock, uptime, status = await asyncio.gather(
            self._get(C.CURRENT_TIME, "getCurrentTime"),
            self._get(C.UPTIME, "getUpTime", optional=True) if self._has_uptime
            else _none(),
            self._get(C.ptz("getStatus", ch), "PTZ status") if self._has_ptz else _none())
        device_time = codec.parse_current_time(clock or "", self._opts.utc_offset_h)
        if device_time is None:
            raise DecodeError(f"getCurrentTime: no time in {(clock or '')[:80]!r}")
        uptime_s = codec.first_number(uptime) if uptime is not None else None
        self._has_uptime = uptime is not None
        ptz = PtzState(supported=self._has_ptz, presets=list(self._presets.values()))
        if status is not None:
            pan, tilt, zoom, moving = codec.parse_ptz_status(status)
            ptz.pan, ptz.tilt, ptz.zoom = mapping.pan_tilt_zoom(pan, tilt, zoom)
            ptz.moving = moving
        alarms, down = self._events.status(self._opts.channel) if self._events else ({}, None)
        problems = ("event_stream",) if down else ()
        state = CameraState(received_at=received, device_time=device_time,
                            streams=list(self._streams), snapshot_supported=True, ptz=ptz,
                            alarms=alarms)
        return Reading(state=state, uptime_s=uptime_s, device_time=device_time,
                       problems=problems, problem_reason=down or "protocol_error",
                       level=self._level())

    # -- snapshot ---------------------------------------------------------------------------
    async def snapshot(self, max_bytes: int) -> Snapshot:
        """snapshot.cgi, 1-based channel; on an error body the other base is tried once and
        kept if it works (old firmware counts from 0)."""
        first_error: JunctionError | None = None
        for base in (self._snapshot_base, 1 - self._snapshot_base):
            reply = await self._client().request(
                "GET", C.snapshot(self._opts.channel - 1 + base), max_bytes=max_bytes,
                timeout_s=max(self._ctx.device.poll.timeout_s, 5))
            if reply.status == 200 and reply.body.startswith(b"\xff\xd8"):
                self._snapshot_base = base
                return Snapshot(reply.body, "image/jpeg")
            reason = codec.error_reason(reply.body)
            if reason is None and reply.status == 200:
                raise DecodeError(f"snapshot: not a JPEG ({reply.content_type or 'untyped'}, "
                                  f"{reply.body[:16]!r})")
            first_error = first_error or ProtocolError(
                f"snapshot (channel base {base}): device answered "
                f"{reason or 'HTTP ' + str(reply.status)!r}", detail={"status": reply.status})
        assert first_error is not None
        raise first_error

    # -- commands ---------------------------------------------------------------------------
    async def execute(self, command: Command) -> CommandResult:
        if command.name not in self.info.commands:
            raise Unsupported(f"dahua does not implement {command.name.value}")
        if not self._has_ptz:
            raise Unsupported("this camera has no PTZ (ptz.cgi getPresets is refused)")
        ch = self._opts.channel - 1
        if command.name == CommandName.GOTO_PRESET:
            number = await self._find_preset(str(command.args["preset"]))
            await self._ptz(C.ptz("start", ch, "GotoPreset", 0, number), "GotoPreset")
            self._running.clear()
            return CommandResult(message=f"moving to preset {self._presets[number]!r} "
                                 f"(number {number})", detail={"preset": number})
        if command.name == CommandName.PTZ_STOP:
            codes = self._running or {"Up", "ZoomTele"}  # unknown motion: stop both kinds
            for code in sorted(codes):
                await self._ptz(C.ptz("stop", ch, code), f"stop {code}")
            self._running.clear()
            return CommandResult(message="stopped", detail={"stopped": sorted(codes)})
        moves = [m for m in (mapping.direction(command.args["pan"], command.args["tilt"]),
                             mapping.zoom_code(command.args.get("zoom", 0))) if m is not None]
        wanted = {code for code, _, _ in moves}
        for code in sorted(self._running - wanted):
            await self._ptz(C.ptz("stop", ch, code), f"stop {code}")
            self._running.discard(code)
        for code, arg1, arg2 in moves:
            await self._ptz(C.ptz("start", ch, code, arg1, arg2), f"start {code}")
            self._running.add(code)
        return CommandResult(message="moving" if moves else "stopped",
                             detail={"codes": [f"{c}({a1},{a2})" for c, a1, a2 in moves]})

    async def _ptz(self, path: str, what: str) -> None:
        text = await self._get(path, f"PTZ {what}", command=True)
        if (text or "").strip() != "OK":
            raise CommandRejected(f"PTZ {what}: device answered {(text or '')[:60]!r}, not OK")

    # -- events -----------------------------------------------------------------------------
    async def stream_events(self) -> None:
        if not self._opts.events:
            await asyncio.Event().wait()  # never: event stream switched off for this device
        if self._events is None:
            o = self._opts
            self._events = AttachStream(
                self._client, C.attach(o.heartbeat_s), device=self._ctx.device.id,
                emit=self._ctx.emit, diagnostics=self._ctx.diagnostics,
                idle_timeout_s=o.heartbeat_s * o.missed_heartbeats,
                reconnect_min_s=o.reconnect_min_s,
                reconnect_max_s=max(o.reconnect_max_s, o.reconnect_min_s))
        await self._events.run()


async def _none() -> None:
    return None
