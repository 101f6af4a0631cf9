"""A simulated Hikvision ITC camera: violation generator + HTTP-host pusher + ISAPI face.

The camera watches lanes of one simulated intersection (its `SignalEngine`), and every crossing
the generator produces leaves it two ways, as on the real device: POSTed to the configured HTTP
host (`push_url`, multipart/form-data: alert part plus JPEG parts) and written to every open
`/ISAPI/Event/notification/alertStream` (alert part followed by its `image/jpeg` parts, with
`videoloss`/`inactive` heartbeats in between). `/ISAPI/System/deviceInfo` answers identity.
Both ISAPI paths require digest auth (the SDK's `DigestVerifier`, so real digest clients must
do real digest). Field quirks are `HikQuirks` plus `retry` (a camera that never re-sends a
failed push) and `generating=False` (heartbeat-only periods).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field

from aiohttp import web

from gateway.sdk.http import DigestVerifier, Verdict
from simulators.enforcement import hik_payload as P
from simulators.enforcement.faults import Faults
from simulators.enforcement.hik_push import Pusher, PushJob
from simulators.enforcement.traffic import Crossing, Lane, ViolationGenerator
from simulators.engine import ControllerConfig, SignalEngine

__all__ = ["ItcConfig", "HikvisionItcSim"]

log = logging.getLogger(__name__)
BOUNDARY = "boundary"


@dataclass(frozen=True, slots=True)
class ItcConfig:
    id: str  # the camera's deviceID
    controller: ControllerConfig
    lanes: tuple[Lane, ...]
    push_url: str | None = None
    quirks: P.HikQuirks = field(default_factory=P.HikQuirks)
    mac: str = "44:19:b6:00:00:01"
    ip: str = "127.0.0.1"  # what the camera writes as its own ipAddress
    username: str = "admin"
    password: str = "junction-itc"
    seed: int = 0
    warmup_s: float = 30.0
    heartbeat_s: float = 2.0  # alert stream keep-alives
    push_heartbeat_s: float | None = None  # HTTP host <SubscribeEvent><heartbeat>
    retry: bool = True
    max_in_flight: int = 8
    tick_s: float = 0.02
    model: str = "iDS-TCV907-BIR"
    firmware: str = "V5.1.4 build 230512"


class HikvisionItcSim:
    def __init__(self, config: ItcConfig, *, start_time: float | None = None) -> None:
        self.config = config
        now = time.time() if start_time is None else start_time
        # the engine boots `warmup_s` earlier, past its start-up all-red: `start_time` is the
        # engine's, so an independent engine built with it replays the same signals
        self.start_time = now - config.warmup_s
        self.engine = SignalEngine(config.controller, self.start_time, seed=config.seed)
        self.generator = ViolationGenerator(self.engine, config.lanes, device_key=config.id,
                                            start_time=now, seed=config.seed)
        self.pusher = Pusher(config.push_url, retry=config.retry,
                             max_in_flight=config.max_in_flight) if config.push_url else None
        self.generating = True
        self.faults = Faults()
        self.crossings: list[Crossing] = []
        self.streamed: dict[str, tuple[Crossing, tuple[bytes, ...]]] = {}
        self._digest = DigestVerifier("IP Camera", {config.username: config.password})
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self._beats: set[asyncio.Task[int]] = set()
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/ISAPI/System/deviceInfo", self._device_info)
        app.router.add_get("/ISAPI/Event/notification/alertStream", self._alert_stream)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = next(int(a[1]) for a in self._runner.addresses if isinstance(a, tuple))
        if self.pusher is not None:
            await self.pusher.start()
        self._task = asyncio.create_task(self._run(), name=f"itc:{self.config.id}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for beat in self._beats:
            beat.cancel()
        await asyncio.gather(*self._beats, return_exceptions=True)
        if self.pusher is not None:
            await self.pusher.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _run(self) -> None:
        cfg = self.config
        next_beat = time.monotonic()
        while True:
            await asyncio.sleep(cfg.tick_s)
            now = time.time()
            crossings = self.generator.step(now)
            if self.generating:
                for crossing in crossings:
                    self.send(crossing)
            if cfg.push_heartbeat_s and self.pusher and time.monotonic() >= next_beat:
                next_beat = time.monotonic() + cfg.push_heartbeat_s
                beat = P.heartbeat_xml(cfg.ip, cfg.mac, cfg.id, cfg.quirks, now)
                self._beats.add(asyncio.create_task(self.pusher.post_once(beat,
                                                                          "application/xml")))
                self._beats = {t for t in self._beats if not t.done()}

    # -- sending ----------------------------------------------------------------------------
    def send(self, crossing: Crossing) -> P.Evidence:
        """Push the crossing (if a push URL is set) and write it to every open alert stream."""
        cfg, q = self.config, self.config.quirks
        self.crossings.append(crossing)
        ev = P.evidence_for(crossing, cfg.id, q)
        tree = P.alert_tree(crossing, ev, device_id=cfg.id, ip=cfg.ip, mac=cfg.mac, q=q)
        alert = P.alert_xml(tree, q) if q.format == "xml" else P.alert_json(tree)
        if self.pusher is not None:
            body, ctype = P.multipart_body(alert, q.format, ev)
            self.pusher.submit(PushJob.build(crossing, body, ctype, ev.images))
        if self._subscribers:
            ctype = "application/xml" if q.format == "xml" else "application/json"
            data = _part(ctype, alert) + b"".join(
                _part("image/jpeg", img, name) for name, img in zip(ev.names, ev.images,
                                                                     strict=True))
            for queue in self._subscribers:
                queue.put_nowait(data)
            self.streamed[crossing.uuid] = (crossing, ev.images)
        return ev

    def inject_stream_bytes(self, data: bytes) -> None:
        """Write raw bytes to every open alert stream (malformed-part fault)."""
        for queue in self._subscribers:
            queue.put_nowait(data)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # -- ISAPI face --------------------------------------------------------------------------
    def _check(self, request: web.Request) -> web.Response | None:
        verdict, _ = self._digest.verify(request.method, request.path_qs,
                                         request.headers.get("Authorization", ""))
        if verdict is Verdict.OK:
            return None
        return web.Response(status=401, text="<html><body>401 Unauthorized</body></html>",
                            content_type="text/html", headers={
                                "WWW-Authenticate": self._digest.challenge(
                                    stale=verdict is Verdict.STALE)})

    async def _device_info(self, request: web.Request) -> web.Response:
        await self.faults.hold()
        if (denied := self._check(request)) is not None:
            return denied
        if self.faults.malformed:
            return web.Response(body=b'<?xml version="1.0"?><DeviceInfo><model>iDS',
                                content_type="application/xml")
        c, ns = self.config, self.config.quirks.namespace
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" '
                f'xmlns="{ns}"><deviceName>{c.id}</deviceName><deviceID>{c.id}</deviceID>'
                f'<model>{c.model}</model><serialNumber>{c.model}-{c.id}</serialNumber>'
                f'<macAddress>{c.mac}</macAddress><firmwareVersion>{c.firmware}'
                f'</firmwareVersion><deviceType>ITC</deviceType></DeviceInfo>')
        return web.Response(body=body.encode(), content_type="application/xml")

    async def _alert_stream(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._check(request)) is not None:
            return denied
        resp = web.StreamResponse(headers={
            "Content-Type": f"multipart/mixed; boundary={BOUNDARY}"})
        await resp.prepare(request)
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers.add(queue)
        cfg = self.config
        try:
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), cfg.heartbeat_s)
                except TimeoutError:
                    data = _part("application/xml", P.heartbeat_xml(
                        cfg.ip, cfg.mac, cfg.id, cfg.quirks, time.time()))
                await self.faults.hold()
                await resp.write(data)
        except ConnectionResetError:
            pass
        finally:
            self._subscribers.discard(queue)
        return resp


def _part(ctype: str, body: bytes, file_name: str | None = None) -> bytes:
    disposition = f'Content-Disposition: attachment; filename="{file_name}"\r\n' \
        if file_name else ""
    head = f'--{BOUNDARY}\r\nContent-Type: {ctype}\r\n{disposition}' \
           f'Content-Length: {len(body)}\r\n\r\n'
    return head.encode() + body + b"\r\n"
