"""The enforcement part of `junction demo`: three red-light cameras at Main St & 1st Ave.

All three watch the demo fleet's first intersection (the same controller configuration the
NTCIP simulator runs as `ctl-main-1st`), so violations follow a real signal plan:
- `itc-main-1st-push`: Hikvision ITC pushing to the gateway's HTTP-host receiver. The receiver
  listens on 127.0.0.1:`DEMO_PUSH_PORT` (8099, the `listen_port` device option) when that port
  is free, else on a free port picked at start; the simulator pushes to whichever was chosen,
  and retries until the gateway is up (the demo starts simulators first);
- `itc-main-1st-stream`: Hikvision ITC read through its ISAPI alert stream (JSON alerts);
- `dh-main-1st`: Dahua ITC attach stream, snapshot groups of three pictures.
Violations then appear under `/api/v1/violations`, plate reads as `enforcement.plate_read`
events.
"""

from __future__ import annotations

import secrets
import socket
from typing import Any

from simulators.enforcement.dahua_camera import DahuaItcConfig, DahuaItcSim
from simulators.enforcement.hik_camera import HikvisionItcSim, ItcConfig
from simulators.enforcement.hik_payload import HikQuirks
from simulators.enforcement.traffic import Lane
from simulators.engine import demo_fleet

__all__ = ["EnforcementDemo", "DEMO_PUSH_PORT", "demo_lanes"]

DEMO_PUSH_PORT = 8099
HOST = "127.0.0.1"


def demo_lanes(first: int) -> tuple[Lane, ...]:
    """Two approaches: the main-street through (phases 2, 6) and its left turn (1, 5)."""
    return (Lane(first, 2, arrivals_per_s=0.25, run_red_p=0.08),
            Lane(first + 1, 1, arrivals_per_s=0.08, run_red_p=0.15),
            Lane(first + 2, 6, "leave", arrivals_per_s=0.25, run_red_p=0.08))


def _push_port() -> int:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, DEMO_PUSH_PORT))
        except OSError:
            sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class EnforcementDemo:
    def __init__(self) -> None:
        self.hikvision: list[HikvisionItcSim] = []
        self.dahua: list[DahuaItcSim] = []

    async def start(self) -> list[dict[str, Any]]:
        controller = demo_fleet()[0]
        site = {"intersection_id": controller.site.intersection_id,
                "name": controller.site.intersection_name}
        password = secrets.token_urlsafe(12)
        creds = {"username": "admin", "password": password}
        listen = _push_port()
        push = HikvisionItcSim(ItcConfig(
            id="ITC-MAIN-1ST-A", controller=controller, lanes=demo_lanes(1), seed=1,
            password=password, push_url=f"http://{HOST}:{listen}/ISAPI/alarm"))
        stream = HikvisionItcSim(ItcConfig(
            id="ITC-MAIN-1ST-B", controller=controller, lanes=demo_lanes(4), seed=2,
            password=password, mac="44:19:b6:00:00:02", quirks=HikQuirks(format="json")))
        dahua = DahuaItcSim(DahuaItcConfig(id="dh-main-1st", controller=controller,
                                           lanes=demo_lanes(7), seed=3, password=password))
        for sim in (push, stream):
            await sim.start(HOST)
            self.hikvision.append(sim)
        await dahua.start(HOST)
        self.dahua.append(dahua)
        common: dict[str, Any] = {"kind": "enforcement_camera", "credentials": creds,
                                  "poll": {"interval_s": 2.0, "timeout_s": 1.5}, "site": site,
                                  "tags": {"simulated": "true"}}
        return [
            {**common, "id": "itc-main-1st-push", "name": "Main St & 1st Ave ITC (push)",
             "adapter": "hikvision_itc", "profile": "hikvision_itc/itc-generic",
             "endpoint": {"host": HOST, "port": push.port},
             "options": {"listen_host": HOST, "listen_port": listen,
                         "device_id": push.config.id}},
            {**common, "id": "itc-main-1st-stream", "name": "Main St & 1st Ave ITC (stream)",
             "adapter": "hikvision_itc", "profile": "hikvision_itc/itc-alert-stream",
             "endpoint": {"host": HOST, "port": stream.port},
             "options": {"device_id": stream.config.id}},
            {**common, "id": "dh-main-1st", "name": "Main St & 1st Ave Dahua ITC",
             "adapter": "dahua_itc", "profile": "dahua_itc/itc-generic",
             "endpoint": {"host": HOST, "port": dahua.port}},
        ]

    async def close(self) -> None:
        for sim in self.hikvision:
            await sim.close()
        for dsim in self.dahua:
            await dsim.close()
        self.hikvision.clear()
        self.dahua.clear()
