"""One simulated Hikvision camera: the shared camera model behind an ISAPI face (aiohttp).

Firmware differences are named quirks fixed at construction (`IsapiQuirks`: XML namespace,
digest-only vs Basic, HTML 401 bodies, pre-ISAPI paths, alert stream framing and repetition);
faults are switches on the running face (`IsapiFaults`, `stall_streams`, `inject_malformed`),
never edits to the camera model (field-pain-points §1 #2, #9; reference cameras.md §2).
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from gateway.sdk.http import DigestVerifier, Verdict
from simulators.camera import CameraConfig, CameraModel
from simulators.camera.http import authorize, serve
from simulators.hikvision import isapi

__all__ = ["IsapiQuirks", "IsapiFaults", "SimulatedHikvision"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True, frozen=True)
class IsapiQuirks:
    namespace: str = isapi.NS_VER20  # ver10 on older document generations, isapi.org ...
    auth: Literal["digest", "basic", "both"] = "digest"  # digest-only since 5.7.13
    html_401: bool = False  # 401 body is an HTML page, not XML
    legacy_paths: bool = False  # pre-ISAPI firmware: /System/deviceInfo, 404 under /ISAPI
    boundary: str = "boundary"
    heartbeat_s: float = 2.0  # videoloss/inactive keep-alive period
    repeat_active_s: float = 1.0  # 'active' is re-sent while an event lasts
    send_inactive: bool = True  # False: events end silently (pyHik update_stale)
    empty_post_count: bool = False  # <activePostCount/> (crashed pyHik: HA #173174)
    jpeg_parts: bool = False  # an image/jpeg part after each event part
    utc_offset_min: int = 0  # the camera's local time zone


@dataclass(slots=True)
class IsapiFaults:
    latency_s: float = 0.0
    silent: bool = False  # accept connections, never answer
    # path -> (HTTP status, content type, body): malformed payloads, XML bombs, errors
    overrides: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)


class SimulatedHikvision:
    __slots__ = ("config", "model", "quirks", "faults", "users", "clock", "address",
                 "alert_connections", "requests", "_digest", "_runner", "_stall_gen",
                 "_outboxes", "_closing")

    def __init__(self, config: CameraConfig, *, username: str = "admin",
                 password: str = "hik-sim-12345", quirks: IsapiQuirks | None = None,
                 seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.model = CameraModel(config, clock(), seed)
        self.quirks = quirks or IsapiQuirks()
        self.faults = IsapiFaults()
        self.users = {username: password}
        self._digest = DigestVerifier(f"IP Camera({config.serial[-8:]})", self.users)
        self._runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None
        self.alert_connections = 0
        self.requests = 0
        self._stall_gen = 0
        self._outboxes: list[list[bytes]] = []
        self._closing = False

    @property
    def port(self) -> int:
        if self.address is None:
            raise RuntimeError("call start() first")
        return self.address[1]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        @web.middleware
        async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._guard(request, handler)

        app = web.Application(middlewares=[guard])
        p = "" if self.quirks.legacy_paths else "/ISAPI"
        r = app.router
        r.add_get(p + "/System/deviceInfo", self._xml(lambda ns: isapi.device_info(
            self.model, ns)))
        r.add_get(p + "/System/status", self._xml(lambda ns: isapi.device_status(
            self.model, ns, self.quirks.utc_offset_min)))
        r.add_get(p + "/System/time", self._xml(lambda ns: isapi.time_doc(
            self.model, ns, self.quirks.utc_offset_min)))
        r.add_get(p + "/Streaming/channels", self._xml(lambda ns: isapi.channels(
            self.model, ns)))
        r.add_get(p + "/Streaming/channels/{id}", self._channel)
        r.add_get(p + "/Streaming/channels/{id}/picture", self._picture)
        r.add_get(p + "/Event/triggers", self._xml(isapi.triggers))
        r.add_get(p + "/System/Video/inputs/channels/{ch}/motionDetection",
                  self._xml(isapi.motion_detection))
        r.add_get(p + "/PTZCtrl/channels/{ch}/status", self._ptz_get(isapi.ptz_status))
        r.add_get(p + "/PTZCtrl/channels/{ch}/presets", self._ptz_get(isapi.presets))
        r.add_put(p + "/PTZCtrl/channels/{ch}/continuous", self._continuous)
        r.add_put(p + "/PTZCtrl/channels/{ch}/presets/{id}/goto", self._goto)
        r.add_get(p + "/Event/notification/alertStream", self._alert_stream)
        self._runner, self.address = await serve(app, host, port)
        return self.address

    async def close(self) -> None:
        self._closing = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- fault switches ---------------------------------------------------------------------
    def stall_streams(self) -> None:
        """Every alert stream open now goes silent, TCP left open; new ones are healthy."""
        self._stall_gen += 1

    def inject_malformed(self) -> None:
        """Send, on every open alert stream: a part whose Content-Length lies, then a
        well-framed part whose XML is cut off."""
        lying = (f"--{self.quirks.boundary}\r\nContent-Type: application/xml\r\n"
                 f"Content-Length: 4096\r\n\r\n<EventNotificationAlert><eventType>VMD"
                 "</eventType>\r\n").encode()
        broken = self._frame(b"<EventNotificationAlert><eventType>VMD</eventType><eventSt",
                             "application/xml")
        for outbox in self._outboxes:
            outbox += [lying, broken]

    def reboot(self) -> None:
        self.model.reboot(self.clock())

    # -- HTTP plumbing ----------------------------------------------------------------------
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests += 1
        if self.faults.silent:
            await asyncio.sleep(3600)
        if self.faults.latency_s:
            await asyncio.sleep(self.faults.latency_s)
        verdict = authorize(request, self.quirks.auth, self.users, self._digest)
        if verdict != Verdict.OK:
            return self._unauthorized(stale=verdict == Verdict.STALE)
        override = self.faults.overrides.get(request.path)
        if override is not None:
            status, content_type, body = override
            return web.Response(status=status, body=body, content_type=content_type)
        self.model.advance(self.clock())
        return await handler(request)

    def _unauthorized(self, *, stale: bool) -> web.Response:
        challenge = (f'Basic realm="{self._digest.realm}"' if self.quirks.auth == "basic"
                     else self._digest.challenge(stale=stale))
        if self.quirks.html_401:
            body, content_type = isapi.HTML_401, "text/html"
        else:
            body, content_type = isapi.user_check_401(self.quirks.namespace), "application/xml"
        return web.Response(status=401, body=body, content_type=content_type,
                            headers={"WWW-Authenticate": challenge})

    def _reply(self, body: bytes, status: int = 200) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/xml",
                            charset="UTF-8")

    def _error(self, request: web.Request, status: int, code: int, sub: str) -> web.Response:
        return self._reply(isapi.response_status(request.path, code, sub,
                                                 self.quirks.namespace), status)

    def _xml(self, render: Callable[[str], bytes]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            return self._reply(render(self.quirks.namespace))
        return handler

    # -- streams and snapshot ---------------------------------------------------------------
    async def _channel(self, request: web.Request) -> web.StreamResponse:
        body = isapi.channel(self.model, self.quirks.namespace, _int(request.match_info["id"]))
        return self._reply(body) if body else self._error(request, 404, 4, "invalidID")

    async def _picture(self, request: web.Request) -> web.StreamResponse:
        sid = _int(request.match_info["id"])
        if not any(p.channel * 100 + p.stream == sid or p.channel == sid
                   for p in self.config.profiles):
            return self._error(request, 404, 4, "invalidID")
        return web.Response(body=self.model.snapshot_jpeg(), content_type="image/jpeg")

    # -- PTZ --------------------------------------------------------------------------------
    def _ptz_get(self, render: Callable[[CameraModel, str], bytes]) -> Handler:
        async def handler(request: web.Request) -> web.StreamResponse:
            if not self.config.has_ptz:
                return self._error(request, 403, 4, "notSupport")
            return self._reply(render(self.model, self.quirks.namespace))
        return handler

    async def _continuous(self, request: web.Request) -> web.StreamResponse:
        if not self.config.has_ptz:
            return self._error(request, 403, 4, "notSupport")
        try:
            root = ET.fromstring(await request.read())
            speeds = {k: int(_find(root, k) or 0) for k in ("pan", "tilt", "zoom")}
        except (ET.ParseError, ValueError):
            return self._error(request, 400, 5, "badXmlFormat")
        if any(abs(v) > 100 for v in speeds.values()):
            return self._error(request, 400, 6, "badParameters")
        if not any(speeds.values()):
            self.model.stop()
        else:
            self.model.continuous_move(speeds["pan"] / 100, speeds["tilt"] / 100,
                                       speeds["zoom"] / 100)
        return self._error(request, 200, 1, "ok")

    async def _goto(self, request: web.Request) -> web.StreamResponse:
        if not self.config.has_ptz:
            return self._error(request, 403, 4, "notSupport")
        name = isapi.preset_ids(self.model).get(_int(request.match_info["id"]))
        if name is None:
            return self._error(request, 400, 4, "invalidID")  # [I] sub-status for a bad preset
        self.model.goto_preset(name)
        return self._error(request, 200, 1, "ok")

    # -- alert stream -----------------------------------------------------------------------
    def _frame(self, body: bytes, content_type: str) -> bytes:
        if content_type == "application/xml":
            content_type += '; charset="UTF-8"'
        head = (f"--{self.quirks.boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        return head + body + b"\r\n"

    async def _alert_stream(self, request: web.Request) -> web.StreamResponse:
        q = self.quirks
        resp = web.StreamResponse(headers={
            "Content-Type": f"multipart/mixed; boundary={q.boundary}", "Connection": "close"})
        await resp.prepare(request)
        self.alert_connections += 1
        generation, outbox = self._stall_gen, list[bytes]()
        self._outboxes.append(outbox)
        last_seq = max((a.seq for a in self.model.alarms), default=0)
        counts: dict[str, int] = {}
        now = self.clock()
        next_beat, next_repeat = now, now + q.repeat_active_s
        name, ns, tz = self.config.name, q.namespace, q.utc_offset_min
        try:
            while not self._closing and request.transport is not None \
                    and not request.transport.is_closing():
                await asyncio.sleep(0.05)
                if generation != self._stall_gen:
                    continue  # stalled: the socket stays open, nothing more is written
                now = self.clock()
                self.model.advance(now)
                parts, outbox[:] = list(outbox), []
                for alarm in self.model.alarms_after(last_seq):
                    last_seq = alarm.seq
                    if alarm.active or q.send_inactive:
                        counts[alarm.kind.value] = counts.get(alarm.kind.value, 0) + 1
                        parts += self._event_parts(isapi.alarm_part(
                            alarm, self._count(counts[alarm.kind.value]), ns, tz, name))
                if now >= next_repeat:
                    next_repeat = now + q.repeat_active_s
                    for kind, active in self.model.active.items():
                        if active:
                            counts[kind.value] = counts.get(kind.value, 0) + 1
                            parts += self._event_parts(isapi.alert(
                                kind.value, 1, True, self._count(counts[kind.value]),
                                self.model.device_time(), ns, tz, name))
                if now >= next_beat and not self.model.video_lost:
                    next_beat = now + q.heartbeat_s
                    parts.append(self._frame(isapi.heartbeat(self.model.device_time(), ns, tz,
                                                             name), "application/xml"))
                for part in parts:
                    await resp.write(part)
        except ConnectionResetError:
            pass  # the client went away
        finally:
            self._outboxes.remove(outbox)
        return resp

    def _count(self, value: int) -> int | None:
        return None if self.quirks.empty_post_count else value

    def _event_parts(self, xml: bytes) -> list[bytes]:
        parts = [self._frame(xml, "application/xml")]
        if self.quirks.jpeg_parts:
            parts.append(self._frame(self.model.snapshot_jpeg(), "image/jpeg"))
        return parts


def _find(root: ET.Element, name: str) -> str | None:
    for el in root.iter():
        if el.tag.rpartition("}")[2] == name:
            return el.text
    return None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1
