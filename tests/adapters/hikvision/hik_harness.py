"""Helpers for the Hikvision tests: simulated ISAPI cameras and their device entries.

The gateway itself comes from tests.harness.run_gateway (generic: it takes device dicts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from simulators.camera import AlarmKind, CameraConfig, StreamProfile
from simulators.hikvision import IsapiQuirks, SimulatedHikvision
from tests.harness import Harness, wait_for

__all__ = ["PASSWORD", "ptz_camera", "fixed_camera", "camera", "entry", "events", "state",
           "health", "set_alarm"]

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
    sim = SimulatedHikvision(config or ptz_camera(), password=password,
                             quirks=quirks or IsapiQuirks(heartbeat_s=0.5))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()


def entry(sim: SimulatedHikvision, *, password: str = PASSWORD, interval_s: float = 0.3,
          timeout_s: float = 1.0, options: dict[str, Any] | None = None,
          **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": sim.config.id, "name": sim.config.name, "kind": "camera",
        "adapter": "hikvision", "endpoint": {"host": "127.0.0.1", "port": sim.port},
        "credentials": {"username": "admin", "password": password},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "options": {"heartbeat_timeout_s": 2.0, "reconnect_min_s": 0.1,
                    "reconnect_max_s": 0.5, **(options or {})},
    }
    item.update(extra)
    return item


async def events(h: Harness, device: str, type_prefix: str = "camera.") -> list[dict[str, Any]]:
    _, body = await h.get(f"/api/v1/events?device={device}&type={type_prefix}&limit=1000")
    return list(body["items"])


async def state(h: Harness, device: str) -> dict[str, Any] | None:
    status, body = await h.get(f"/api/v1/devices/{device}/state")
    return body if status == 200 and isinstance(body, dict) else None


async def health(h: Harness, device: str) -> dict[str, Any]:
    _, body = await h.get(f"/api/v1/devices/{device}/health")
    return dict(body)


async def until_up(h: Harness, device: str) -> dict[str, Any]:
    async def up() -> dict[str, Any] | None:
        body = await state(h, device)
        return body if body and (await health(h, device))["status"] == "up" else None
    result: dict[str, Any] = await wait_for(up, 10.0, f"{device} up with a state")
    return result


def set_alarm(sim: SimulatedHikvision, kind: AlarmKind, active: bool) -> None:
    sim.model.advance(sim.clock())
    sim.model.set_alarm(kind, active)
