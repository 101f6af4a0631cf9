"""Helpers for the Hikvision tests: simulated ISAPI cameras and their device entries.

The gateway itself comes from tests.harness.run_gateway (generic: it takes device dicts); what
every camera test shares is in tests.adapters.camera_harness.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from simulators.camera import CameraConfig, StreamProfile
from simulators.hikvision import IsapiQuirks, SimulatedHikvision
from tests.adapters.camera_harness import (
    camera_entry,
    events,
    health,
    running,
    set_alarm,
    state,
    until_up,
)

__all__ = ["PASSWORD", "ptz_camera", "fixed_camera", "camera", "entry", "events", "state",
           "health", "until_up", "set_alarm"]

PASSWORD = "isapi-Test-pw1"


def ptz_camera(cam_id: str = "hik-test-ptz") -> CameraConfig:
    """A PTZ dome with no random motion (tests raise alarms themselves)."""
    return CameraConfig(id=cam_id, name="Test dome", manufacturer="Hikvision",
                        model="DS-2DE4425IW-DE", firmware="V5.7.13", serial="T0000001",
                        motion_rate_per_min=0.0)


def fixed_camera(cam_id: str = "hik-test-fixed") -> CameraConfig:
    return CameraConfig(id=cam_id, name="Test bullet", manufacturer="Hikvision",
                        model="DS-2CD2043G0-I", firmware="V5.4.5", serial="T0000002",
                        has_ptz=False, presets=(), motion_rate_per_min=0.0,
                        profiles=(StreamProfile("main", "MainStream", "H264", 1920, 1080,
                                                25.0),))


@asynccontextmanager
async def camera(config: CameraConfig | None = None, *, quirks: IsapiQuirks | None = None,
                 password: str = PASSWORD) -> AsyncIterator[SimulatedHikvision]:
    async with running(SimulatedHikvision(config or ptz_camera(), password=password,
                                          quirks=quirks or IsapiQuirks(heartbeat_s=0.5))) as sim:
        yield sim


def entry(sim: SimulatedHikvision, *, password: str = PASSWORD, interval_s: float = 0.3,
          timeout_s: float = 1.0, options: dict[str, Any] | None = None,
          **extra: Any) -> dict[str, Any]:
    return camera_entry(sim, "hikvision", password=password, interval_s=interval_s,
                        timeout_s=timeout_s,
                        options={"heartbeat_timeout_s": 2.0, "reconnect_min_s": 0.1,
                                 "reconnect_max_s": 0.5, **(options or {})}, **extra)
