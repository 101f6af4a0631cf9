"""Helpers for the Dahua tests: simulated CGI cameras and their device entries.

The gateway itself comes from tests.harness.run_gateway (generic: it takes device dicts); what
every camera test shares is in tests.adapters.camera_harness.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from simulators.camera import CameraConfig, StreamProfile
from simulators.dahua import CgiQuirks, SimulatedDahua
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

PASSWORD = "cgi-Test-pw1"


def ptz_camera(cam_id: str = "dahua-test-ptz") -> CameraConfig:
    """A PTZ dome with no random motion (tests raise alarms themselves)."""
    return CameraConfig(id=cam_id, name="Test dome", manufacturer="Dahua",
                        model="SD49425XB-HNR", firmware="2.840.0000000.9.R", serial="T0000001",
                        motion_rate_per_min=0.0)


def fixed_camera(cam_id: str = "dahua-test-fixed") -> CameraConfig:
    return CameraConfig(id=cam_id, name="Test bullet", manufacturer="Dahua",
                        model="IPC-HFW4431R-Z", firmware="2.420.0000000.18.R", serial="T0000002",
                        has_ptz=False, presets=(), motion_rate_per_min=0.0,
                        profiles=(StreamProfile("main", "MainStream", "H264", 1920, 1080,
                                                25.0),))


@asynccontextmanager
async def camera(config: CameraConfig | None = None, *, quirks: CgiQuirks | None = None,
                 password: str = PASSWORD) -> AsyncIterator[SimulatedDahua]:
    async with running(SimulatedDahua(config or ptz_camera(), password=password,
                                      quirks=quirks or CgiQuirks())) as sim:
        yield sim


def entry(sim: SimulatedDahua, *, password: str = PASSWORD, interval_s: float = 0.3,
          timeout_s: float = 1.0, options: dict[str, Any] | None = None,
          **extra: Any) -> dict[str, Any]:
    return camera_entry(sim, "dahua", password=password, interval_s=interval_s,
                        timeout_s=timeout_s,
                        options={"heartbeat_s": 1, "missed_heartbeats": 2,
                                 "reconnect_min_s": 0.1, "reconnect_max_s": 0.5,
                                 **(options or {})}, **extra)
