"""Helpers for the GB/T 20999 tests: simulated controllers and their device entries.

The gateway itself comes from tests.harness.run_gateway (generic: it takes device dicts).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from simulators.engine.config import ControllerConfig
from simulators.engine.fleet import demo_fleet
from simulators.gbt20999.controller import Gbt20999SimOptions, SimulatedGbt20999Controller
from tests.harness import Harness, wait_for

__all__ = ["entry", "start_sims", "coordinated", "health", "state", "until_up", "CCITT"]

CCITT = {"crc_poly": 0x1021, "crc_init": 0xFFFF}


def coordinated() -> ControllerConfig:
    """A demo-fleet controller running a coordinated local plan (patterns 1-3 exist)."""
    return next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)


def entry(sim: SimulatedGbt20999Controller, *, transport: str = "tcp",
          profile: str = "gbt20999/standard", interval_s: float = 0.2, timeout_s: float = 0.4,
          options: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": sim.config.id, "name": sim.config.name, "kind": "signal_controller",
        "adapter": "gbt20999", "profile": profile,
        "endpoint": {"host": "127.0.0.1", "port": sim.port},
        "poll": {"interval_s": interval_s, "timeout_s": timeout_s},
        "options": {"transport": transport, **(options or {})},
    }
    item.update(extra)
    return item


@asynccontextmanager
async def start_sims(configs: list[ControllerConfig], *,
                     options: Gbt20999SimOptions | None = None,
                     clock: Callable[[], float] = time.time,
                     ) -> AsyncIterator[list[SimulatedGbt20999Controller]]:
    sims = [SimulatedGbt20999Controller(c, seed=i, options=options, clock=clock)
            for i, c in enumerate(configs)]
    try:
        for sim in sims:
            await sim.start()
        yield sims
    finally:
        for sim in sims:
            await sim.close()


async def health(h: Harness, device: str) -> dict[str, Any]:
    _, body = await h.get(f"/api/v1/devices/{device}/health")
    return body  # type: ignore[no-any-return]


async def state(h: Harness, device: str) -> dict[str, Any]:
    status, body = await h.get(f"/api/v1/devices/{device}/state")
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def until_up(h: Harness, *devices: str, timeout_s: float = 10.0) -> None:
    async def up() -> bool:
        return all([(await health(h, d))["status"] == "up" for d in devices])

    await wait_for(up, timeout_s=timeout_s, what=f"{', '.join(devices)} up")
