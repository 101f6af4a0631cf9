"""Helpers shared by the HTTP camera tests (Hikvision ISAPI, Dahua CGI): a simulated camera
running for a test, its `devices:` entry, the gateway's answers about it, and the conformance
kit's `SimulatorHandle` over it. Each vendor's harness adds its simulator, models and options.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Protocol, TypeVar

from gateway.model import EventType
from simulators.camera import AlarmKind, CameraConfig, CameraModel
from tests.harness import Harness, wait_for

__all__ = ["CameraSim", "running", "camera_entry", "events", "state", "health", "until_up",
           "set_alarm", "CameraHandle"]


class CameraSim(Protocol):
    """What these helpers use of a camera simulator (SimulatedHikvision, SimulatedDahua)."""

    config: CameraConfig
    model: CameraModel
    faults: Any
    port: int

    def clock(self) -> float: ...
    def reboot(self) -> None: ...
    async def start(self) -> None: ...
    async def close(self) -> None: ...


Sim = TypeVar("Sim", bound=CameraSim)


@asynccontextmanager
async def running(sim: Sim) -> AsyncIterator[Sim]:
    """`sim` started for the block, closed after it."""
    await sim.start()
    try:
        yield sim
    finally:
        await sim.close()


def camera_entry(sim: CameraSim, adapter: str, *, password: str, interval_s: float,
                 timeout_s: float, options: dict[str, Any],
                 **extra: Any) -> dict[str, Any]:
    """The `devices:` entry of a simulated camera (user admin)."""
    item: dict[str, Any] = {
        "id": sim.config.id, "name": sim.config.name, "kind": "camera",
        "adapter": adapter, "endpoint": {"host": "127.0.0.1", "port": sim.port},
        "credentials": {"username": "admin", "password": password},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "options": options,
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


def set_alarm(sim: CameraSim, kind: AlarmKind, active: bool) -> None:
    sim.model.advance(sim.clock())
    sim.model.set_alarm(kind, active)


class CameraHandle:
    """The conformance kit's `SimulatorHandle` over a camera simulator: a subclass builds
    `self.sim` (600 s after power-up) and `start()`s it, and names the requests a poll makes
    (`POLLED`), what `malformed` answers them with and the wrong password."""

    POLLED: ClassVar[tuple[str, ...]]
    MALFORMED: ClassVar[object]
    USER: ClassVar[str] = "admin"
    WRONG_PASSWORD: ClassVar[str]

    sim: CameraSim

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        for key in self.POLLED:
            if on:
                self.sim.faults.overrides[key] = self.MALFORMED
            else:
                self.sim.faults.overrides.pop(key, None)

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        return {**device, "credentials": {"username": self.USER,
                                          "password": self.WRONG_PASSWORD}}

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        model = self.sim.model
        model.advance(self.sim.clock())
        model.set_alarm(AlarmKind.MOTION, False)
        model.set_alarm(AlarmKind.MOTION, True)
        return EventType.CAMERA_MOTION

    def not_applicable(self, check: str) -> str | None:
        return None
