"""Scheduler behaviour on real sockets: backoff for a dead device, pagination of the fleet."""

from __future__ import annotations

import asyncio
from pathlib import Path

from simulators.engine.fleet import fleet_of
from tests.harness import device_entry, run_gateway, start_sims, wait_for


async def test_down_device_is_polled_with_backoff(tmp_path: Path) -> None:
    configs = fleet_of(2, seed=3)
    async with start_sims(configs) as (dead, alive), run_gateway(
            [device_entry(dead, interval_s=0.1, timeout_s=0.05),
             device_entry(alive, interval_s=0.1, timeout_s=0.2)], tmp_path) as h:
        dead.faults.silent = True
        rt = h.gateway.registry.get(dead.config.id)
        await wait_for(lambda: rt.health.status.value == "down", what="down")
        before = rt.diagnostics.errors_by_reason["timeout"]
        await asyncio.sleep(3.0)
        polled = rt.diagnostics.errors_by_reason["timeout"] - before
        # at a fixed 0.1 s interval this would be ~20; with doubling delays it is a handful
        assert 2 <= polled <= 7, polled
        alive_rt = h.gateway.registry.get(alive.config.id)
        assert alive_rt.health.status.value == "up"


async def test_device_list_pages(tmp_path: Path) -> None:
    configs = fleet_of(5, seed=4)
    async with start_sims(configs) as sims, \
            run_gateway([device_entry(s, interval_s=1.0) for s in sims], tmp_path) as h:
        seen: list[str] = []
        cursor = ""
        for _ in range(5):
            _, body = await h.get(f"/api/v1/devices?limit=2{cursor}")
            seen += [d["id"] for d in body["items"]]
            if body["next"] is None:
                break
            cursor = f"&cursor={body['next']}"
        assert seen == [c.id for c in configs]
