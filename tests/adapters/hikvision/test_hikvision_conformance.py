"""The conformance kit against the Hikvision adapter and the ISAPI simulator."""

from __future__ import annotations

from typing import Any

from adapters.hikvision.adapter import HikvisionAdapter
from gateway.testing import AdapterConformance
from simulators.camera import CameraConfig
from simulators.hikvision import IsapiQuirks, SimulatedHikvision
from tests.adapters.camera_harness import CameraHandle

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "isapi-Conformance-pw7"


class HikvisionHandle(CameraHandle):
    """A PTZ dome (no random motion) behind the ISAPI face, 600 s after power-up."""

    POLLED = ("/ISAPI/System/status", "/ISAPI/System/time", "/ISAPI/PTZCtrl/channels/1/status")
    MALFORMED = (200, "application/xml", b'<?xml version="1.0"?><DeviceStatus><deviceUpTime>12')
    WRONG_PASSWORD = "isapi-Wrong-pw"

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


class TestHikvisionConformance(AdapterConformance):
    adapter = HikvisionAdapter
    simulator = HikvisionHandle
    profile = "hikvision/isapi-camera"
