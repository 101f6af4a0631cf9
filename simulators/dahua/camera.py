"""One simulated Dahua camera: the shared camera model behind the HTTP CGI face (aiohttp).

Firmware differences are named quirks (`CgiQuirks`): legacy firmware answers an unknown
request `400 Error / Bad Request!`, 2024 firmware `501 Error / Not Implemented!`, some
recorders send error bodies with HTTP 200; old firmware counts snapshot channels from 0.
Faults are switches on the running face (`CgiFaults`, `stall_streams`, `drop_streams`,
`inject_malformed`), never edits to the camera model (field-pain-points §1 #10).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from gateway.sdk.http import DigestVerifier, Verdict
from simulators.camera import CameraConfig, CameraModel
from simulators.camera.http import authorize, serve
from simulators.dahua import cgi

__all__ = ["CgiQuirks", "CgiFaults", "SimulatedDahua"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_DIRECTIONS = {"Up": (0, 1), "Down": (0, -1), "Left": (-1, 0), "Right": (1, 0),
               "LeftUp": (-1, 1), "RightUp": (1, 1), "LeftDown": (-1, -1),
               "RightDown": (1, -1)}


class _UntilClose(web.StreamResponse):
    """A push body delimited by closing the connection (no chunking, no length), as camera
    web servers send it [I: inferred from clients]; python-amcrest reads the stream with two
    interleaved iterators, which only works on an unchunked body."""

    _length_check = False


@dataclass(slots=True, frozen=True)
class CgiQuirks:
    firmware: Literal["legacy", "2024"] = "2024"  # 400 Bad Request! vs 501 Not Implemented!
    errors_with_200: bool = False  # error bodies with HTTP 200 (some recorders)
    auth: Literal["digest", "basic", "both"] = "digest"  # digest-only since 2017 (amcrest #70)
    snapshot_channel_base: Literal[0, 1] = 1  # 0 on some old firmware
    uptime_cgi: bool = True  # answers magicBox getUpTime [I]
    boundary: str = "myboundary"
    utc_offset_min: int = 0  # the camera's local time zone (getCurrentTime has none)


@dataclass(slots=True)
class CgiFaults:
    latency_s: float = 0.0
    silent: bool = False  # accept connections, never answer
    broken: set[str] = field(default_factory=set)  # actions answering an error body
    # "cgi?action" key (e.g. "global.cgi?getCurrentTime") -> raw body with HTTP 200
    overrides: dict[str, bytes] = field(default_factory=dict)


class SimulatedDahua:
    __slots__ = ("config", "model", "quirks", "faults", "users", "clock", "address",
                 "attach_connections", "requests", "_digest", "_runner", "_stall_gen",
                 "_drop_gen", "_outboxes", "_closing", "_vel")

    def __init__(self, config: CameraConfig, *, username: str = "admin",
                 password: str = "dahua-sim-12345", quirks: CgiQuirks | None = None,
                 seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.model = CameraModel(config, clock(), seed)
        self.quirks = quirks or CgiQuirks()
        self.faults = CgiFaults()
        self.users = {username: password}
        self._digest = DigestVerifier(f"Login to {config.serial}", self.users)
        self._runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None
        self.attach_connections = 0
        self.requests = 0
        self._stall_gen = self._drop_gen = 0
        self._outboxes: list[list[bytes]] = []
        self._closing = False
        self._vel = [0.0, 0.0, 0.0]

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
        for name, handler in (("magicBox", self._magic_box), ("global", self._global),
                              ("configManager", self._config), ("snapshot", self._snapshot),
                              ("ptz", self._ptz), ("eventManager", self._event_manager)):
            app.router.add_get(f"/cgi-bin/{name}.cgi", handler)
        self._runner, self.address = await serve(app, host, port)
        return self.address

    async def close(self) -> None:
        self._closing = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- fault switches ---------------------------------------------------------------------
    def stall_streams(self) -> None:
        """Every event stream open now goes silent (no heartbeats), TCP left open."""
        self._stall_gen += 1

    def drop_streams(self) -> None:
        """Every event stream open now is closed by the camera."""
        self._drop_gen += 1

    def inject_malformed(self) -> None:
        """On every open stream: a part whose Content-Length lies, then a part with no Code."""
        b = self.quirks.boundary
        lying = (f"--{b}\r\nContent-Type: text/plain\r\nContent-Length: 900\r\n\r\n"
                 "Code=VideoMotion;act\r\n").encode()
        for outbox in self._outboxes:
            outbox += [lying, self._frame("action=Start;index=0")]

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
            challenge = (f'Basic realm="{self._digest.realm}"' if self.quirks.auth == "basic"
                         else self._digest.challenge(stale=verdict == Verdict.STALE))
            return web.Response(status=401, text="Error\r\nInvalid Authority!\r\n",
                                headers={"WWW-Authenticate": challenge})
        action = request.query.get("action", "")
        key = f"{request.path.rsplit('/', 1)[-1]}?{action}"
        if key in self.faults.overrides:
            return web.Response(body=self.faults.overrides[key], content_type="text/plain")
        if action in self.faults.broken:
            return self._missing()
        self.model.advance(self.clock())
        return await handler(request)

    def _text(self, body: bytes) -> web.Response:
        return web.Response(body=body, content_type="text/plain")

    def _fail(self, status: int, reason: str) -> web.Response:
        return web.Response(status=200 if self.quirks.errors_with_200 else status,
                            body=cgi.error_body(reason), content_type="text/plain")

    def _missing(self) -> web.Response:
        """What this firmware answers for a request it does not know."""
        if self.quirks.firmware == "legacy":
            return self._fail(400, "Bad Request!")
        return self._fail(501, "Not Implemented!")

    def _bad_args(self) -> web.Response:
        return self._fail(400, "Bad Request!")

    # -- CGIs -------------------------------------------------------------------------------
    async def _magic_box(self, request: web.Request) -> web.StreamResponse:
        m, action = self.model, request.query.get("action")
        bodies: dict[str, Callable[[CameraModel], bytes]] = {
                  "getDeviceType": cgi.device_type, "getSystemInfo": cgi.system_info,
                  "getSoftwareVersion": cgi.software_version,
                  "getMachineName": lambda m: cgi.kv([("name", m.config.name)]),
                  "getSerialNo": lambda m: cgi.kv([("sn", m.config.serial)]),
                  "getVendor": lambda m: cgi.kv([("vendor", "Dahua")]),
                  "getHardwareVersion": lambda m: cgi.kv([("version", "1.00")])}
        if self.quirks.uptime_cgi:
            bodies["getUpTime"] = cgi.uptime
        render = bodies.get(action or "")
        return self._text(render(m)) if render else self._missing()

    async def _global(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("action") == "getCurrentTime":
            return self._text(cgi.current_time(self.model, self.quirks.utc_offset_min))
        return self._missing()

    async def _config(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("action") != "getConfig":
            return self._missing()
        name = request.query.get("name")
        if name == "Encode":
            return self._text(cgi.encode_config(self.model))
        if name == "RTSP":
            return self._text(cgi.rtsp_config())
        return self._bad_args()

    async def _snapshot(self, request: web.Request) -> web.StreamResponse:
        base = self.quirks.snapshot_channel_base
        raw = request.query.get("channel", str(base))
        if not raw.isdigit() or not base <= int(raw) < base + self.config.channels:
            return self._bad_args()
        return web.Response(body=self.model.snapshot_jpeg(), content_type="image/jpeg")

    async def _ptz(self, request: web.Request) -> web.StreamResponse:
        q, action = request.query, request.query.get("action", "")
        if not self.config.has_ptz:
            return self._missing()
        channel = q.get("channel", "0")  # PTZ channels count from 0
        if not channel.isdigit() or int(channel) >= self.config.channels:
            return self._bad_args()
        if action == "getPresets":
            return self._text(cgi.presets(self.model))
        if action == "getStatus":
            return self._text(cgi.ptz_status(self.model))
        if action not in ("start", "stop"):
            return self._missing()
        code = q.get("code", "")
        try:
            arg1, arg2 = int(q.get("arg1", "0")), int(q.get("arg2", "0"))
        except ValueError:
            return self._bad_args()
        if code == "GotoPreset" and action == "start":
            names = list(self.model.presets)
            if not 1 <= arg2 <= len(names):
                return self._bad_args()
            self._vel = [0.0, 0.0, 0.0]
            self.model.goto_preset(names[arg2 - 1])
            return self._text(b"OK\r\n")
        if code in _DIRECTIONS:
            h, v = _DIRECTIONS[code]
            hs, vs = (arg2, arg1) if h and v else (arg2, arg2)
            self._vel[0], self._vel[1] = (h * hs / 8, v * vs / 8) if action == "start" \
                else (0.0, 0.0)
        elif code in ("ZoomTele", "ZoomWide"):
            sign = 1 if code == "ZoomTele" else -1
            self._vel[2] = sign * (arg2 / 8 if arg2 else 0.5) if action == "start" else 0.0
        else:
            return self._bad_args()
        if any(self._vel):
            self.model.continuous_move(*self._vel)
        else:
            self.model.stop()
        return self._text(b"OK\r\n")

    async def _event_manager(self, request: web.Request) -> web.StreamResponse:
        action = request.query.get("action")
        if action == "getEventIndexes":
            kind = {v: k for k, v in cgi.CODES.items()}.get(request.query.get("code", ""))
            if kind is None or not self.model.active[kind]:
                return self._bad_args()
            return self._text(cgi.kv([("channels[0]", 0)]))
        if action != "attach":
            return self._missing()
        return await self._attach(request)

    # -- event stream -----------------------------------------------------------------------
    def _frame(self, text: str) -> bytes:
        body = (text + "\r\n").encode()
        return (f"--{self.quirks.boundary}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body + b"\r\n"

    async def _attach(self, request: web.Request) -> web.StreamResponse:
        codes = request.query.get("codes", "[All]").strip("[]").split(",")
        try:
            heartbeat_s = int(request.query.get("heartbeat", "0"))
        except ValueError:
            return self._bad_args()
        wanted = {k for k, code in cgi.CODES.items() if "All" in codes or code in codes}
        resp = _UntilClose(headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={self.quirks.boundary}"})
        resp.force_close()
        await resp.prepare(request)
        self.attach_connections += 1
        stall, drop, outbox = self._stall_gen, self._drop_gen, list[bytes]()
        self._outboxes.append(outbox)
        last_seq = max((a.seq for a in self.model.alarms), default=0)
        next_beat = self.clock() + heartbeat_s
        try:
            while not self._closing and drop == self._drop_gen and request.transport \
                    is not None and not request.transport.is_closing():
                await asyncio.sleep(0.05)
                if stall != self._stall_gen:
                    continue  # stalled: nothing more, not even heartbeats
                now = self.clock()
                self.model.advance(now)
                parts, outbox[:] = list(outbox), []
                for alarm in self.model.alarms_after(last_seq):
                    last_seq = alarm.seq
                    if alarm.kind in wanted:
                        parts.append(self._frame(cgi.event_body(alarm.kind, alarm.channel,
                                                                alarm.active)))
                if heartbeat_s and now >= next_beat:
                    next_beat = now + heartbeat_s
                    parts.append(self._frame("Heartbeat"))
                for part in parts:
                    await resp.write(part)
        except ConnectionResetError:
            pass  # the client went away
        finally:
            self._outboxes.remove(outbox)
        return resp

