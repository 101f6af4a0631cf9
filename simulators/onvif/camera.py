"""One simulated ONVIF camera: the shared camera model behind an ONVIF SOAP 1.2 face on
aiohttp, listening on 127.0.0.1.

The face does what real devices do at the HTTP and SOAP layers: PRE_AUTH operations answer
without credentials; the others want HTTP Digest, a WS-UsernameToken, or either (`auth`
quirk); a missing or wrong credential is a 401 with a digest challenge (an HTML page with the
`html_401` quirk) or, on a UsernameToken-only device, HTTP 400 with `ter:NotAuthorized`.
Faults (latency, silence, malformed bodies, XML bombs, event stalls) are hooks here; the
camera model is never edited to fake one.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from simulators.camera.model import CameraConfig, CameraModel
from simulators.onvif.auth import DigestRealm, NonceCache, check_username_token
from simulators.onvif.context import (
    INTERNAL_HOST,
    Ctx,
    OnvifFaults,
    OnvifQuirks,
    PtzTimer,
)
from simulators.onvif.events import SUBSCRIPTION_PATH, PullPoints
from simulators.onvif.lpr import PlateReadLog, SimRead
from simulators.onvif.media import DEVICE, MEDIA1, MEDIA2, SERVICE_PATHS
from simulators.onvif.ptz import PTZ
from simulators.onvif.soap import (
    BadRequest,
    Request,
    SoapFault,
    envelope,
    fault_envelope,
    parse_request,
)

__all__ = ["OnvifCamera", "XML_BOMB"]

SOAP_TYPE = "application/soap+xml"
HTML_401 = b"<html><head><title>401 Unauthorized</title></head><body>Unauthorized</body></html>"


def _billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE lolz [' + "".join(entities) + ']>\n'
            '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
            '<env:Body><x>&lol9;</x></env:Body></env:Envelope>').encode()


XML_BOMB = _billion_laughs()
MAX_REQUEST_BYTES = 256 * 1024

Operation = tuple[Callable[[Ctx, Request], Any], bool]


class OnvifCamera:
    __slots__ = ("model", "quirks", "faults", "username", "password", "clock", "pullpoints",
                 "requests", "_realm", "_nonces", "_ptz", "_runner", "address", "_tables",
                 "plates")

    def __init__(self, config: CameraConfig, *, username: str = "admin",
                 password: str = "admin", quirks: OnvifQuirks | None = None, seed: int = 0,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.model = CameraModel(config, clock(), seed)
        self.quirks = quirks or OnvifQuirks()
        self.faults = OnvifFaults()
        self.username, self.password = username, password
        self.pullpoints = PullPoints(self.faults)
        self.plates = PlateReadLog(seed, self.quirks.lpr_rate_per_min,
                                   self.quirks.lpr_image_bytes)
        self.requests: Counter[str] = Counter()  # "service.Operation" -> count
        self._realm = DigestRealm(f"Junction-{config.id}")
        self._nonces = NonceCache()
        self._ptz = PtzTimer()
        self._runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None
        pp = self.pullpoints
        self._tables: dict[str, dict[str, Operation]] = {
            "device": dict(DEVICE), "media": dict(MEDIA1), "media2": dict(MEDIA2),
            "ptz": dict(PTZ), "events": {"CreatePullPointSubscription": (pp.create, False),
                                         "GetEventProperties": (pp.properties, False)},
        }

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self.address is None:
            raise RuntimeError("call start() first")
        return self.address[1]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        if not host.startswith("127."):
            raise ValueError("the simulator listens on loopback only")
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        for service, path in SERVICE_PATHS.items():
            app.router.add_post(path, self._soap_handler(service))
        app.router.add_post(SUBSCRIPTION_PATH, self._soap_handler("subscription"))
        app.router.add_get("/onvif/snapshot", self._snapshot)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = self._runner.addresses[0]
        self.address = (host, int(bound[1]))
        return self.address

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- fault helpers ------------------------------------------------------------------------

    def set_clock_offset(self, seconds: float) -> None:
        """Skew the camera clock (e.g. +7 s, -3600 s) from now on."""
        self.model.clock_offset_s = seconds

    def reboot(self) -> None:
        """Uptime resets and every event subscription is forgotten (ResourceUnknown next)."""
        self.model.reboot(self.clock())
        self.pullpoints.drop_all()

    def plate_read(self, plate: str | None = None, *, malformed: str | None = None,
                   **fields: object) -> SimRead:
        """A Profile M plate read now (delivered while the `lpr` quirk is on); `malformed`
        ('no_plate', 'bad_likelihood', 'bad_image', 'no_plate_info') spoils it."""
        self.model.advance(self.clock())
        return self.plates.add(self.model, plate, malformed=malformed, **fields)

    def active_subscriptions(self) -> list[int]:
        return self.pullpoints.active(self.clock())

    # -- request handling ---------------------------------------------------------------------

    def _ctx(self, request: web.Request) -> Ctx:
        host = INTERNAL_HOST + ":80" if self.quirks.internal_ip_uris else \
            (request.host or f"127.0.0.1:{self.port}")
        return Ctx(self.model, self.quirks, self.username, self.password, host, self.clock,
                   self._ptz, self.plates)

    async def _stall(self, operation: str) -> None:
        if self.faults.hits(operation):
            if self.faults.latency_s:
                await asyncio.sleep(self.faults.latency_s)
            if self.faults.silent:
                await asyncio.Event().wait()

    def _challenge(self, status: int = 401) -> web.Response:
        html = self.quirks.html_401
        return web.Response(status=status, body=HTML_401 if html else b"",
                            content_type="text/html" if html else "text/plain",
                            headers={"WWW-Authenticate": self._realm.challenge()})

    def _authorize(self, request: web.Request, req: Request) -> web.Response | None:
        """None if the request may proceed; otherwise the refusal to send."""
        mode = self.quirks.auth
        if mode == "none":
            return None
        if mode in ("digest", "both"):
            header = request.headers.get("Authorization")
            if header and self._realm.verify(header, request.method, request.path_qs,
                                             self.username, self.password):
                return None
            if header or mode == "digest":
                return self._challenge()
        problem = check_username_token(req.header, self.username, self.password,
                                       self.model.device_time(), self.quirks.wsse_tolerance_s,
                                       self._nonces)
        if problem is None:
            return None
        if mode == "both" and problem == "no WS-Security UsernameToken":
            return self._challenge()  # Core §Security: no credentials at all -> 401 digest
        fault = SoapFault("Sender", ("ter:NotAuthorized",), f"Sender not Authorized: {problem}")
        return web.Response(status=400, body=fault_envelope(fault), content_type=SOAP_TYPE)

    def _soap_handler(self, service: str) -> Callable[[web.Request],
                                                      Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handle(service, request)
        return handle

    async def _handle(self, service: str, request: web.Request) -> web.StreamResponse:
        if (service == "media2" and self.quirks.media1_only) or \
                (service == "ptz" and not self.model.config.has_ptz):
            return web.Response(status=404, text="no such service")
        body = await request.read()
        try:
            req = parse_request(body)
        except BadRequest as err:
            return web.Response(status=400, text=str(err))
        name = req.operation
        self.requests[f"{service}.{name}"] += 1
        await self._stall(name)
        ctx = self._ctx(request)
        self._ptz.advance(self.model, self.clock())
        try:
            handler, pre_auth = self._operation(service, req, request)
            if not pre_auth and (refusal := self._authorize(request, req)) is not None:
                return refusal
            if self.faults.hits(name) and (self.faults.malformed or self.faults.xml_bomb):
                junk = XML_BOMB if self.faults.xml_bomb else envelope([])[:-40]
                return web.Response(body=junk, content_type=SOAP_TYPE)
            result = handler(ctx, req)
            if inspect.isawaitable(result):
                result = await result
        except SoapFault as fault:
            return web.Response(status=fault.http_status, body=fault_envelope(fault),
                                content_type=SOAP_TYPE)
        return web.Response(body=envelope(result), content_type=SOAP_TYPE)

    def _operation(self, service: str, req: Request, request: web.Request) -> Operation:
        if service == "subscription":
            return self._subscription_operation(req, request)
        found = self._tables[service].get(req.operation)
        if found is None:
            raise SoapFault("Receiver", ("ter:ActionNotSupported",),
                            f"{service} service does not implement {req.operation}")
        return found

    def _subscription_operation(self, req: Request, request: web.Request) -> Operation:
        pp = self.pullpoints
        methods: dict[str, Callable[..., Any]] = {
            "PullMessages": pp.pull, "Renew": pp.renew, "Unsubscribe": pp.unsubscribe,
            "SetSynchronizationPoint": pp.synchronize}
        method = methods.get(req.operation)
        if method is None:
            raise SoapFault("Receiver", ("ter:ActionNotSupported",),
                            f"subscriptions do not implement {req.operation}")
        try:
            idx = int(request.query.get("Idx", ""))
        except ValueError:
            idx = -1

        def bound(ctx: Ctx, r: Request) -> Any:
            return method(ctx, r, pp.lookup(ctx, r, idx))
        return bound, False

    async def _snapshot(self, request: web.Request) -> web.StreamResponse:
        self.requests["snapshot.GET"] += 1
        await self._stall("snapshot")
        if self.quirks.auth != "none" and not self._realm.verify(
                request.headers.get("Authorization"), request.method, request.path_qs,
                self.username, self.password):
            return self._challenge()
        if request.query.get("token") not in {p.token for p in self.model.config.profiles}:
            return web.Response(status=404, text="no such profile")
        self._ptz.advance(self.model, self.clock())
        return web.Response(body=self.model.snapshot_jpeg(), content_type="image/jpeg")
