"""Shared helpers for the ONVIF tests: start simulated cameras on 127.0.0.1 port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp

from adapters.onvif.adapter import OnvifAdapter
from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.runner import start_api
from gateway.service import Gateway
from gateway.yamlsource import Located
from simulators.camera.model import CameraConfig, demo_cameras
from simulators.onvif.camera import OnvifCamera
from simulators.onvif.context import OnvifQuirks
from tests.harness import OPERATOR_TOKEN, Harness

USER, PASSWORD = "admin", "cam-secret-1"


def ptz_config(**changes: Any) -> CameraConfig:
    """The demo PTZ camera (H.265 main + H.264 sub), without random motion unless asked."""
    base = replace(demo_cameras()[0], motion_rate_per_min=0.0)
    return replace(base, **changes)


@asynccontextmanager
async def camera(config: CameraConfig | None = None, *, password: str = PASSWORD,
                 **quirks: Any) -> AsyncIterator[OnvifCamera]:
    cam = OnvifCamera(config or ptz_config(), username=USER, password=password,
                      quirks=OnvifQuirks(**quirks))
    await cam.start()
    try:
        yield cam
    finally:
        await cam.close()


def device_entry(cam: OnvifCamera, *, password: str = PASSWORD, interval_s: float = 0.3,
                 timeout_s: float = 1.0, options: dict[str, Any] | None = None,
                 **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": cam.model.config.id, "name": cam.model.config.name, "kind": "camera",
        "adapter": "onvif", "endpoint": {"host": "127.0.0.1", "port": cam.port},
        "credentials": {"username": USER, "password": password},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "options": {"pull_timeout_s": 1.0, **(options or {})},
    }
    entry.update(extra)
    return entry


@asynccontextmanager
async def run_gateway(devices: list[dict[str, Any]], tmp_path: Path) -> AsyncIterator[Harness]:
    """tests.harness.run_gateway with the ONVIF adapter in the catalog whether or not its entry
    point is installed yet."""
    raw = {"api": {"host": "127.0.0.1", "port": 0},
           "auth": {"anonymous_read": True, "tokens": [
               {"name": "test-operator", "token": OPERATOR_TOKEN, "role": "operator"}]},
           "store": {"path": str(tmp_path / "junction.db")}, "devices": devices}
    catalog = AdapterCatalog({**dict(AdapterCatalog.discover().items()),
                              "onvif": OnvifAdapter})
    loaded = validate_config(Located(raw, {}, "<test>"), catalog, tmp_path)
    gateway = Gateway(loaded, catalog, seed=1)
    await gateway.start()
    runner, port = await start_api(gateway, "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            yield Harness(gateway, http, f"http://127.0.0.1:{port}", runner)
    finally:
        await runner.cleanup()
        await gateway.stop()
