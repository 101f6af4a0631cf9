"""The HTTP-host push receiver: one listening port shared by every Hikvision ITC camera.

Cameras configured with an HTTP host (`/ISAPI/Event/notification/httpHosts`) POST each alert to
it. All `hikvision_itc` devices with the same listen host:port share one receiver (through the
adapter's `SharedResources`), and each push is routed to its device by what the alert itself
says (deviceID, macAddress, ipAddress, as configured per device), never by the source address
alone: NAT and shared uplinks make source addresses meaningless. An alert that matches no
device, or several, is answered 403 and counted.

The answer is the acknowledgement the camera relies on: 200 only once the record and its
images are committed (or the alert was a duplicate, a plate read or a heartbeat); a clear 4xx
with a JSON reason for a push that will never be accepted; 503 when the store failed (retry
later). Any path is accepted: the camera's `url` setting does not matter.

For `grace_s` (option `startup_grace_s` of the device that opened the receiver) after the
receiver starts, a push for a device not registered yet is answered 503, not 403: devices
register when the gateway first opens them (within one poll interval), and a camera that
pushes in that window must retry, not be refused for good.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from adapters.hikvision_itc.codec import Alert
from adapters.hikvision_itc.deliver import DeliveryError, Outcome
from adapters.hikvision_itc.options import normalize_mac
from adapters.hikvision_itc.upload import Image, UploadError, read_upload
from gateway.sdk import ConfigError

__all__ = ["Route", "PushReceiver", "open_receiver"]

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class Route:
    """One device's claim on pushes: its identifiers and where its alerts go."""

    device: str
    device_id: str | None
    mac_address: str | None
    ip_address: str | None
    max_image_bytes: int
    max_body_bytes: int
    deliver: Callable[[Alert, Sequence[Image], str], Awaitable[Outcome]] = field(repr=False)

    def score(self, alert: Alert) -> int:
        """How many configured identifiers the alert confirms; -1 if one contradicts."""
        agree = 0
        theirs_mac = normalize_mac(alert.mac_address) if alert.mac_address else None
        for mine, theirs in ((self.device_id, alert.device_id),
                             (self.mac_address, theirs_mac), (self.ip_address, alert.ip_address)):
            if mine is None or theirs is None:
                continue
            if mine != theirs:
                return -1
            agree += 1
        return agree


def _answer(http_status: int, **body: object) -> web.Response:
    return web.json_response(body, status=http_status)


class PushReceiver:
    __slots__ = ("host", "port", "grace_s", "_floor", "_routes", "_runner", "counts", "started")

    def __init__(self, host: str, port: int, grace_s: float = 10.0, *,
                 max_body_bytes: int = 32 * 1024 * 1024,
                 max_image_bytes: int = 8 * 1024 * 1024) -> None:
        self.host, self.port, self.grace_s = host, port, grace_s
        # limits while no device is registered yet (start-up): those of the opening device
        self._floor = (max_body_bytes, max_image_bytes)
        self.started = time.monotonic()
        self._routes: list[Route] = []
        self._runner: web.AppRunner | None = None
        self.counts: Counter[str] = Counter()  # unknown_device, ambiguous, malformed ...

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        app.router.add_route("PUT", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False,
                               shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, reuse_address=True, backlog=512)
            await site.start()
        except OSError as err:
            await runner.cleanup()
            raise ConfigError(f"push receiver cannot listen on {self.host}:{self.port}: "
                              f"{err.strerror or err}") from err
        self._runner = runner
        self.started = time.monotonic()
        log.info("event=push_receiver_listening host=%s port=%d", self.host, self.port)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def register(self, route: Route) -> None:
        """Add a device's route. A second adapter instance of the same device (re-built by
        the gateway) adds its own; the latest one registered gets that device's pushes."""
        self._routes = [r for r in self._routes if r is not route] + [route]

    def unregister(self, route: Route) -> None:
        self._routes = [r for r in self._routes if r is not route]

    def _route(self, alert: Alert) -> Route | str:
        latest: dict[str, Route] = {r.device: r for r in self._routes}
        scored = [(r.score(alert), r) for r in latest.values()]
        best = max((s for s, _ in scored), default=0)
        if best <= 0:
            return "unknown_device"
        winners = [r for s, r in scored if s == best]
        return winners[0] if len(winners) == 1 else "ambiguous_device"

    def _refuse(self, status: int, reason: str, message: str, peer: str | None) -> web.Response:
        self.counts[reason] += 1
        count = self.counts[reason]
        if count == 1 or count % 100 == 0:
            log.warning("event=push_refused reason=%s count=%d peer=%s message=%r", reason,
                        count, peer, message)
        return _answer(status, status="refused", reason=reason, message=message)

    async def _handle(self, request: web.Request) -> web.Response:
        routes = self._routes
        max_body = max((r.max_body_bytes for r in routes), default=self._floor[0])
        max_image = max((r.max_image_bytes for r in routes), default=self._floor[1])
        try:
            upload = await read_upload(request, max_body=max_body, max_image=max_image)
        except UploadError as err:
            return self._refuse(err.status, err.reason, err.message, request.remote)
        found = self._route(upload.alert)
        if isinstance(found, str):
            alert = upload.alert
            if time.monotonic() - self.started < self.grace_s:
                return self._refuse(503, "device_not_ready", "no device registered for this "
                                    "alert yet (gateway starting): retry", request.remote)
            return self._refuse(403, found, f"no single configured device matches deviceID="
                                f"{alert.device_id!r} macAddress={alert.mac_address!r} "
                                f"ipAddress={alert.ip_address!r}", request.remote)
        too_big = next((i for i in upload.images if len(i.content) > found.max_image_bytes),
                       None)
        if too_big is not None:
            return self._refuse(413, "image_too_large", f"image {too_big.file_name!r} is "
                                f"{len(too_big.content)} bytes; the limit for "
                                f"{found.device} is {found.max_image_bytes}", request.remote)
        try:
            outcome = await found.deliver(upload.alert, upload.images, "push")
        except DeliveryError as err:
            return self._refuse(err.status, err.reason, err.message, request.remote)
        except Exception as err:  # store failure (disk full, I/O): the camera should retry
            log.exception("device=%s event=push_store_failed", found.device)
            return self._refuse(503, "store_unavailable", f"not stored: {type(err).__name__}",
                                request.remote)
        self.counts[outcome.kind] += 1
        return _answer(200, status=outcome.kind, id=outcome.id, device=found.device)


async def open_receiver(host: str, port: int, grace_s: float, max_body_bytes: int,
                        max_image_bytes: int) -> PushReceiver:
    receiver = PushReceiver(host, port, grace_s, max_body_bytes=max_body_bytes,
                            max_image_bytes=max_image_bytes)
    await receiver.start()
    return receiver
