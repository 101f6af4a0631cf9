"""The conformance kit against the Hikvision adapter and the ISAPI simulator."""

from __future__ import annotations

from typing import Any

from adapters.hikvision.adapter import HikvisionAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance
from simulators.camera import AlarmKind, CameraConfig
from simulators.hikvision import IsapiQuirks, SimulatedHikvision

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "isapi-Conformance-pw7"
TRUNCATED = (200, "application/xml", b'<?xml version="1.0"?><DeviceStatus><deviceUpTime>12')
POLLED = ("/ISAPI/System/status", "/ISAPI/System/time", "/ISAPI/PTZCtrl/channels/1/status")


class HikvisionHandle:
    """A PTZ dome (no random motion) behind the ISAPI face, 600 s after power-up."""

    def __init__(self) -> None:
        config = CameraConfig(id="hik-conformance", name="Conformance dome",
                              manufacturer="Hikvision", model="DS-2DE4425IW-DE",
                              firmware="V5.7.13", serial="C0000001", motion_rate_per_min=0.0)
        self.sim = SimulatedHikvision(config, username=USER, password=PASSWORD,
                                      quirks=IsapiQuirks(heartbeat_s=0.5))
        self.sim.model.boot_time -= 600

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        return {"id": "hik-conformance", "kind": "camera", "adapter": "hikvision",
                "profile": "hikvision/isapi-camera",
                "endpoint": {"host": "127.0.0.1", "port": self.sim.port},
                "credentials": {"username": USER, "password": PASSWORD},
                "poll": {"interval_s": 0.5, "timeout_s": 0.5},
                "options": {"heartbeat_timeout_s": 2.0, "reconnect_min_s": 0.1,
                            "reconnect_max_s": 0.5}}

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        for path in POLLED:
            if on:
                self.sim.faults.overrides[path] = TRUNCATED
            else:
                self.sim.faults.overrides.pop(path, None)

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"username": USER, "password": "isapi-Wrong-pw"}}

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


class TestHikvisionConformance(AdapterConformance):
    adapter = HikvisionAdapter
    simulator = HikvisionHandle
    profile = "hikvision/isapi-camera"
