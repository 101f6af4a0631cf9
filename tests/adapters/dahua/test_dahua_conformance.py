"""The conformance kit against the Dahua adapter and the CGI simulator."""

from __future__ import annotations

from typing import Any

from adapters.dahua.adapter import DahuaAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance
from simulators.camera import AlarmKind, CameraConfig
from simulators.dahua import CgiQuirks, SimulatedDahua

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "cgi-Conformance-pw7"
GARBAGE = b"\x00\xff<html>Error 500"
POLLED = ("global.cgi?getCurrentTime", "magicBox.cgi?getUpTime", "ptz.cgi?getStatus")


class DahuaHandle:
    """A PTZ dome (no random motion) behind the CGI face, 600 s after power-up."""

    def __init__(self) -> None:
        config = CameraConfig(id="dahua-conformance", name="Conformance dome",
                              manufacturer="Dahua", model="SD49425XB-HNR",
                              firmware="2.840.0000000.9.R", serial="C0000001",
                              motion_rate_per_min=0.0)
        self.sim = SimulatedDahua(config, username=USER, password=PASSWORD, quirks=CgiQuirks())
        self.sim.model.boot_time -= 600

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "dahua-conformance", "kind": "camera", "adapter": "dahua",
                "profile": "dahua/cgi-camera",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "credentials": {"username": USER, "password": PASSWORD},
                "poll": {"interval_s": 0.5, "timeout_s": 0.5},
                "options": {"heartbeat_s": 1, "missed_heartbeats": 2, "reconnect_min_s": 0.1,
                            "reconnect_max_s": 0.5}}

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        for key in POLLED:
            if on:
                self.sim.faults.overrides[key] = GARBAGE
            else:
                self.sim.faults.overrides.pop(key, None)

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"username": USER, "password": "cgi-Wrong-pw"}}

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        model = self.sim.model
        model.advance(self.sim.clock())
        model.set_alarm(AlarmKind.MOTION, False)
        model.set_alarm(AlarmKind.MOTION, True)
        return EventType.CAMERA_MOTION

    def not_applicable(self, check: str) -> str | None:
        return None


class TestDahuaConformance(AdapterConformance):
    adapter = DahuaAdapter
    simulator = DahuaHandle
    profile = "dahua/cgi-camera"
