"""The conformance kit against both enforcement adapters and their simulators.

The Hikvision ITC device runs in push mode (the usual set-up): its events are plate reads the
simulator pushes to the receiver; health comes from ISAPI deviceInfo while nothing is pushed.
Neither camera reports uptime, so the reboot check is skipped (reason printed by the kit)."""

from __future__ import annotations

from typing import Any

from adapters.dahua_itc.adapter import DahuaItcAdapter
from adapters.hikvision_itc.adapter import HikvisionItcAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance
from simulators.enforcement.dahua_camera import DahuaItcConfig, DahuaItcSim
from simulators.enforcement.hik_camera import HikvisionItcSim, ItcConfig
from simulators.enforcement.traffic import Crossing, Lane
from tests.adapters.enforcement.enf_harness import free_port
from tests.adapters.enforcement.enf_sims import CONTROLLER

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "itc-Conformance-pw7"
LANES = (Lane(1, 2, arrivals_per_s=0.0),)


def _plate_read(n: int, t: float) -> Crossing:
    return Crossing(seq=n, uuid=f"conf-{n}-{t:.3f}", time=t, lane=1, phase=2,
                    direction="approach", signal="green", plate=f"苏E{n:05d}",
                    plate_color="blue", plate_type="02", vehicle_type="car", vehicle_gat="K33",
                    speed_kmh=40, speed_limit_kmh=50, violation_code=None)


class _Faults:
    sim: HikvisionItcSim | DahuaItcSim
    sent = 0

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.sim.faults.malformed = on

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"username": USER, "password": "itc-Wrong-pw"}}

    def reboot(self) -> None:
        raise NotImplementedError("no uptime on these cameras")

    def trigger_event(self) -> EventType:
        self.sent += 1
        self.sim.send(_plate_read(self.sent, self.sim.start_time + 60 + self.sent))
        return EventType.ENFORCEMENT_PLATE_READ

    def not_applicable(self, check: str) -> str | None:
        if check == "reboot":
            return "ITC cameras report no uptime over ISAPI push / Dahua CGI here"
        return None


class HikvisionItcHandle(_Faults):
    def __init__(self) -> None:
        self.listen = free_port()
        self.sim = HikvisionItcSim(ItcConfig(
            id="ITC-CONF", controller=CONTROLLER, lanes=LANES, username=USER, password=PASSWORD,
            push_url=f"http://127.0.0.1:{self.listen}/ISAPI/alarm"))

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "itc-conformance", "kind": "enforcement_camera",
                "adapter": "hikvision_itc", "profile": "hikvision_itc/itc-generic",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "credentials": {"username": USER, "password": PASSWORD},
                "poll": {"interval_s": 0.5, "timeout_s": 0.5},
                "options": {"listen_host": "127.0.0.1", "listen_port": self.listen,
                            "device_id": "ITC-CONF"}}


class DahuaItcHandle(_Faults):
    def __init__(self) -> None:
        self.sim = DahuaItcSim(DahuaItcConfig(id="dh-conf", controller=CONTROLLER, lanes=LANES,
                                              username=USER, password=PASSWORD))

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "dh-conformance", "kind": "enforcement_camera", "adapter": "dahua_itc",
                "profile": "dahua_itc/itc-generic",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "credentials": {"username": USER, "password": PASSWORD},
                "poll": {"interval_s": 0.5, "timeout_s": 0.5},
                "options": {"heartbeat_s": 1, "missed_heartbeats": 2}}


class TestHikvisionItcConformance(AdapterConformance):
    adapter = HikvisionItcAdapter
    simulator = HikvisionItcHandle
    profile = "hikvision_itc/itc-generic"


class TestDahuaItcConformance(AdapterConformance):
    adapter = DahuaItcAdapter
    simulator = DahuaItcHandle
    profile = "dahua_itc/itc-generic"
