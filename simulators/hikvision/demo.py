"""The Hikvision part of `junction demo`: two ISAPI cameras on free ports of 127.0.0.1.

One PTZ dome on current firmware (ver20 namespace, digest only), one fixed bullet on older
firmware (ver10 namespace, Basic accepted, clock in UTC+8), so the demo shows both.
"""

from __future__ import annotations

import secrets
from typing import Any

from simulators.camera import CameraConfig, StreamProfile
from simulators.camera.demo import demo_entry
from simulators.hikvision import isapi
from simulators.hikvision.camera import IsapiQuirks, SimulatedHikvision

__all__ = ["HikvisionDemo", "demo_hikvision"]


def demo_hikvision() -> list[tuple[CameraConfig, IsapiQuirks]]:
    return [
        (CameraConfig(id="hik-main-1st", name="Main St & 1st Ave dome", manufacturer="Hikvision",
                      model="DS-2DE4425IW-DE", firmware="V5.7.13", serial="J12345678",
                      presets=("home", "intersection", "crosswalk"), motion_rate_per_min=2.0),
         IsapiQuirks(namespace=isapi.NS_VER20, auth="digest")),
        (CameraConfig(id="hik-oak-elm", name="Oak & Elm bullet", manufacturer="Hikvision",
                      model="DS-2CD2043G0-I", firmware="V5.4.5", serial="K87654321",
                      has_ptz=False, presets=(), motion_rate_per_min=1.0,
                      profiles=(StreamProfile("main", "MainStream", "H264", 2688, 1520, 20.0),
                                StreamProfile("sub", "SubStream", "H264", 640, 480, 15.0,
                                              1, 2))),
         IsapiQuirks(namespace=isapi.NS_VER10, auth="both", utc_offset_min=480)),
    ]


class HikvisionDemo:
    def __init__(self) -> None:
        self.cameras: list[SimulatedHikvision] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        for seed, (config, quirks) in enumerate(demo_hikvision()):
            password = secrets.token_urlsafe(12)
            sim = SimulatedHikvision(config, username="admin", password=password,
                                     quirks=quirks, seed=seed)
            address = await sim.start()
            self.cameras.append(sim)
            devices.append(demo_entry(config, adapter="hikvision", profile="hikvision/isapi-camera",
                                      vendor="Hikvision", address=address, password=password))
        return devices

    async def close(self) -> None:
        for sim in self.cameras:
            await sim.close()
        self.cameras.clear()
