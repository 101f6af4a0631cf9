"""The Dahua part of `junction demo`: two CGI cameras on free ports of 127.0.0.1.

One PTZ on 2024 firmware (501 `Not Implemented!` for unknown requests), one fixed camera on
legacy firmware (400 `Bad Request!`, snapshot channels counted from 0, Basic accepted).
"""

from __future__ import annotations

import secrets
from typing import Any

from simulators.camera import CameraConfig, StreamProfile
from simulators.camera.demo import demo_entry
from simulators.dahua.camera import CgiQuirks, SimulatedDahua

__all__ = ["DahuaDemo", "demo_dahua"]


def demo_dahua() -> list[tuple[CameraConfig, CgiQuirks, str]]:
    """(camera, firmware quirks, profile) of each demo camera."""
    return [
        (CameraConfig(id="dahua-river-rd", name="River Rd & 5th PTZ", manufacturer="Dahua",
                      model="SD49425XB-HNR", firmware="2.840.0000000.9.R", serial="7H0A1B2C3D",
                      presets=("home", "intersection", "crosswalk"), motion_rate_per_min=2.0),
         CgiQuirks(firmware="2024"), "dahua/cgi-camera"),
        (CameraConfig(id="dahua-depot", name="Depot gate fixed", manufacturer="Dahua",
                      model="IPC-HFW4431R-Z", firmware="2.420.0000000.18.R", serial="3J0F9E8D7C",
                      has_ptz=False, presets=(), motion_rate_per_min=1.0,
                      profiles=(StreamProfile("main", "MainStream", "H264", 2688, 1520, 20.0),
                                StreamProfile("sub", "SubStream", "H264", 704, 576, 15.0,
                                              1, 2))),
         CgiQuirks(firmware="legacy", auth="both", snapshot_channel_base=0, uptime_cgi=False),
         "dahua/legacy-2017"),
    ]


class DahuaDemo:
    def __init__(self) -> None:
        self.cameras: list[SimulatedDahua] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        for seed, (config, quirks, profile) in enumerate(demo_dahua()):
            password = secrets.token_urlsafe(12)
            sim = SimulatedDahua(config, username="admin", password=password, quirks=quirks,
                                 seed=seed)
            address = await sim.start()
            self.cameras.append(sim)
            devices.append(demo_entry(config, adapter="dahua", profile=profile,
                                      vendor="Dahua", address=address, password=password))
        return devices

    async def close(self) -> None:
        for sim in self.cameras:
            await sim.close()
        self.cameras.clear()
