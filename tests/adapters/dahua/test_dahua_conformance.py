"""The conformance kit against the Dahua adapter and the CGI simulator."""

from __future__ import annotations

from typing import Any

from adapters.dahua.adapter import DahuaAdapter
from gateway.testing import AdapterConformance
from simulators.camera import CameraConfig
from simulators.dahua import CgiQuirks, SimulatedDahua
from tests.adapters.camera_harness import CameraHandle

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "cgi-Conformance-pw7"


class DahuaHandle(CameraHandle):
    """A PTZ dome (no random motion) behind the CGI face, 600 s after power-up."""

    POLLED = ("global.cgi?getCurrentTime", "magicBox.cgi?getUpTime", "ptz.cgi?getStatus")
    MALFORMED = b"\x00\xff<html>Error 500"
    WRONG_PASSWORD = "cgi-Wrong-pw"

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


class TestDahuaConformance(AdapterConformance):
    adapter = DahuaAdapter
    simulator = DahuaHandle
    profile = "dahua/cgi-camera"
