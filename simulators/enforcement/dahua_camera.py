"""A simulated Dahua ITC camera: violation generator behind the Dahua CGI face.

Serves, with digest auth (the SDK's `DigestVerifier`): `magicBox.cgi` identity,
`eventManager.cgi?action=attach&codes=[...]&heartbeat=N` (`multipart/x-mixed-replace;
boundary=myboundary`, `Heartbeat` parts every N s, traffic events as `DahuaQuirks` shape them)
and `snapshot.cgi?channel=N` (1-based; channel 0 answers Dahua's `Error Bad Request!` unless the
old-firmware quirk is on). Each subscriber only gets the codes it attached to. The ledger
`streamed` keeps, per record key (rule name + GroupID, the gateway's raw id), the crossing and
the pictures written on the stream, for the tests to compare against what was stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from aiohttp import web

from gateway.sdk.http import DigestVerifier, Verdict
from simulators.camera.jpeg import evidence_jpeg
from simulators.enforcement import dahua_payload as P
from simulators.enforcement.faults import Faults
from simulators.enforcement.traffic import Crossing, Lane, ViolationGenerator
from simulators.engine import ControllerConfig, SignalEngine

__all__ = ["DahuaItcConfig", "DahuaItcSim"]

BOUNDARY = "myboundary"


@dataclass(frozen=True, slots=True)
class DahuaItcConfig:
    id: str
    controller: ControllerConfig
    lanes: tuple[Lane, ...]
    quirks: P.DahuaQuirks = field(default_factory=P.DahuaQuirks)
    username: str = "admin"
    password: str = "junction-itc"
    seed: int = 0
    warmup_s: float = 30.0
    tick_s: float = 0.02
    model: str = "ITC237-PW6M-IRLZF"
    firmware: str = "2.622.0000000.2.R,build:2023-05-12"


class DahuaItcSim:
    def __init__(self, config: DahuaItcConfig, *, start_time: float | None = None) -> None:
        self.config = config
        now = time.time() if start_time is None else start_time
        # the engine boots `warmup_s` earlier, past its start-up all-red: `start_time` is the
        # engine's, so an independent engine built with it replays the same signals
        self.start_time = now - config.warmup_s
        self.engine = SignalEngine(config.controller, self.start_time, seed=config.seed)
        self.generator = ViolationGenerator(self.engine, config.lanes, device_key=config.id,
                                            start_time=now, seed=config.seed)
        self.generating = True
        self.faults = Faults()
        self.crossings: list[Crossing] = []
        self.streamed: dict[str, tuple[Crossing, list[bytes]]] = {}
        self.snapshots = 0
        self._digest = DigestVerifier("Login to " + config.model,
                                      {config.username: config.password})
        self._subscribers: dict[asyncio.Queue[bytes], frozenset[str]] = {}
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None
        self._group = int(now) % 100_000 * 1000
        self._event_id = 0
        self.port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/cgi-bin/magicBox.cgi", self._magic_box)
        app.router.add_get("/cgi-bin/eventManager.cgi", self._attach)
        app.router.add_get("/cgi-bin/snapshot.cgi", self._snapshot)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = next(int(a[1]) for a in self._runner.addresses if isinstance(a, tuple))
        self._task = asyncio.create_task(self._run(), name=f"dahua-itc:{self.config.id}")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.tick_s)
            crossings = self.generator.step(time.time())
            if self.generating:
                for crossing in crossings:
                    self.send(crossing)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # -- stream ------------------------------------------------------------------------------
    def send(self, crossing: Crossing) -> str:
        """Write one crossing to every subscriber of its code; returns its record key."""
        q = self.config.quirks
        self.crossings.append(crossing)
        code = P.event_code(crossing)
        self._group += 1
        count = q.group_size if crossing.is_violation else 1
        chunks: list[bytes] = []
        images: list[bytes] = []
        for index in range(1, count + 1):
            self._event_id += 1
            data = P.event_data(crossing, group_id=self._group, event_id=self._event_id,
                                index=index, count=count, machine=self.config.id, q=q)
            body = P.key_value_part(code, data) if q.key_value else P.header_part(code, data)
            chunks.append(_part("text/plain", body))
            if q.images_on_stream:
                image = evidence_jpeg(f"{self.config.id} {crossing.uuid} picture {index}/{count}"
                                      f" t={crossing.time:.3f} signal={crossing.signal}",
                                      q.image_bytes)
                images.append(image)
                chunks.append(_part("image/jpeg", image))
        payload = b"".join(chunks)
        key = f"{code}:{self._group}"
        sent = False
        for queue, codes in self._subscribers.items():
            if "All" in codes or code in codes:
                queue.put_nowait(payload)
                sent = True
        if sent:
            self.streamed[key] = (crossing, images)
        return key

    def inject(self, data: bytes) -> None:
        """Raw bytes to every subscriber (malformed-part fault)."""
        for queue in self._subscribers:
            queue.put_nowait(data)

    # -- CGI face ----------------------------------------------------------------------------
    def _check(self, request: web.Request) -> web.Response | None:
        verdict, _ = self._digest.verify(request.method, request.path_qs,
                                         request.headers.get("Authorization", ""))
        if verdict is Verdict.OK:
            return None
        return web.Response(status=401, text="Error\r\nInvalid Authority!\r\n", headers={
            "WWW-Authenticate": self._digest.challenge(stale=verdict is Verdict.STALE)})

    async def _magic_box(self, request: web.Request) -> web.Response:
        await self.faults.hold()
        if (denied := self._check(request)) is not None:
            return denied
        if self.faults.malformed:
            return web.Response(body=b"\x00\x17\xffgarbage", content_type="text/plain")
        action = request.query.get("action", "")
        c = self.config
        answers = {
            "getSystemInfo": f"deviceType={c.model}\r\nhardwareVersion=1.00\r\n"
                             f"processor=ST7108\r\nserialNumber=SIM{c.id.upper()}\r\n"
                             f"updateSerial={c.model}\r\n",
            "getSoftwareVersion": f"version={c.firmware}\r\n",
            "getDeviceType": f"type={c.model}\r\n",
        }
        if action not in answers:
            return web.Response(status=400, text="Error\r\nBad Request!\r\n")
        return web.Response(text=answers[action])

    async def _snapshot(self, request: web.Request) -> web.Response:
        await self.faults.hold()
        if (denied := self._check(request)) is not None:
            return denied
        channel = request.query.get("channel", "1")
        first = 0 if self.config.quirks.snapshot_zero_based else 1
        if not channel.isdigit() or int(channel) != first:
            return web.Response(status=400, text="Error\r\nBad Request!\r\n")
        self.snapshots += 1
        last = self.crossings[-1] if self.crossings else None
        text = f"{self.config.id} snapshot {self.snapshots} t={time.time():.3f} " + \
            (f"after={last.uuid}" if last else "")
        return web.Response(body=evidence_jpeg(text, self.config.quirks.image_bytes),
                            content_type="image/jpeg")

    async def _attach(self, request: web.Request) -> web.StreamResponse:
        if (denied := self._check(request)) is not None:
            return denied
        if request.query.get("action") != "attach":
            return web.Response(status=400, text="Error\r\nBad Request!\r\n")
        codes = frozenset(request.query.get("codes", "[All]").strip("[]").split(","))
        heartbeat = max(1, min(60, int(request.query.get("heartbeat", "0") or 0) or 60))
        resp = web.StreamResponse(headers={
            "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"})
        await resp.prepare(request)
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers[queue] = codes
        try:
            while True:
                try:
                    data = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    data = _part("text/plain", b"Heartbeat")
                await self.faults.hold()
                await resp.write(data)
        except ConnectionResetError:
            pass
        finally:
            self._subscribers.pop(queue, None)
        return resp


def _part(ctype: str, body: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
            .encode() + body + b"\r\n")
