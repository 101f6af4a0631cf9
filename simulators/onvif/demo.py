"""The ONVIF part of `junction demo`: the shared demo cameras behind ONVIF faces on 127.0.0.1.

Each demo camera shows one field behaviour the adapter copes with: a digest-and-WSSE PTZ
camera, a digest-only fixed camera that advertises LAN addresses in its URIs, and a
UsernameToken-only PTZ camera whose clock runs 7 s fast.
"""

from __future__ import annotations

from typing import Any

from simulators.camera.model import demo_cameras
from simulators.onvif.camera import OnvifCamera
from simulators.onvif.context import OnvifQuirks

__all__ = ["OnvifDemo", "DEMO_QUIRKS", "DEMO_PASSWORD"]

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "demo-camera-pass"
DEMO_QUIRKS: dict[str, OnvifQuirks] = {
    "cam-main-1st": OnvifQuirks(auth="both"),
    "cam-oak-elm": OnvifQuirks(auth="digest", internal_ip_uris=True, html_401=True),
    "cam-river-rd": OnvifQuirks(auth="wsse", pull_extends_ttl=False, ttl_cap_s=60.0),
}


class OnvifDemo:
    def __init__(self) -> None:
        self.cameras: list[OnvifCamera] = []

    async def start(self) -> list[dict[str, Any]]:
        devices = []
        for seed, config in enumerate(demo_cameras()):
            cam = OnvifCamera(config, username=DEMO_USERNAME, password=DEMO_PASSWORD,
                              quirks=DEMO_QUIRKS.get(config.id), seed=seed)
            host, port = await cam.start()
            self.cameras.append(cam)
            devices.append({
                "id": config.id, "name": config.name, "kind": "camera", "adapter": "onvif",
                "profile": "onvif/generic", "vendor": config.manufacturer,
                "model": config.model, "endpoint": {"host": host, "port": port},
                "credentials": {"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
                "poll": {"interval_s": 2.0, "timeout_s": 1.5},
                "tags": {"simulated": "true"},
            })
        return devices

    async def close(self) -> None:
        for cam in self.cameras:
            await cam.close()
        self.cameras.clear()
