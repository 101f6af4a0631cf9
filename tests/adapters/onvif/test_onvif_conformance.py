"""The conformance kit against the ONVIF adapter and the ONVIF simulator (SOAP over HTTP)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from adapters.onvif.adapter import OnvifAdapter
from gateway.model import EventType
from gateway.testing import AdapterConformance
from simulators.camera.model import AlarmKind, demo_cameras
from simulators.onvif.camera import OnvifCamera

pytest_plugins = ("gateway.testing.plugin",)

USER, PASSWORD = "admin", "onvif-Conformance-pw7"


class OnvifHandle:
    """The demo PTZ camera (no random motion) behind the ONVIF face, 600 s after power-up."""

    def __init__(self) -> None:
        config = replace(demo_cameras()[0], id="onvif-conformance", motion_rate_per_min=0.0)
        self.cam = OnvifCamera(config, username=USER, password=PASSWORD)
        self.cam.model.boot_time -= 600

    async def start(self) -> dict[str, Any]:
        await self.cam.start()
        return {"id": "onvif-conformance", "kind": "camera", "adapter": "onvif",
                "profile": "onvif/generic",
                "endpoint": {"host": "127.0.0.1", "port": self.cam.port},
                "credentials": {"username": USER, "password": PASSWORD},
                "poll": {"interval_s": 0.5, "timeout_s": 0.5},
                "options": {"pull_timeout_s": 1.0}}

    async def close(self) -> None:
        await self.cam.close()

    def silent(self, on: bool) -> None:
        self.cam.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.cam.faults.malformed = on

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"username": USER, "password": "onvif-Wrong-pw"}}

    def reboot(self) -> None:
        self.cam.reboot()

    def trigger_event(self) -> EventType:
        model = self.cam.model
        model.advance(self.cam.clock())
        model.set_alarm(AlarmKind.MOTION, False)
        model.set_alarm(AlarmKind.MOTION, True)
        return EventType.CAMERA_MOTION

    def not_applicable(self, check: str) -> str | None:
        return None


class TestOnvifConformance(AdapterConformance):
    adapter = OnvifAdapter
    simulator = OnvifHandle
    profile = "onvif/generic"
