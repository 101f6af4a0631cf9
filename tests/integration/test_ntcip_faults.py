"""Misbehaving controllers: each fault gets the right health and reason, none stalls others."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from simulators.engine.fleet import demo_fleet
from simulators.ntcip.mib import NtcipFaceOptions
from tests.harness import device_entry, run_gateway, start_sims, wait_for


async def health(h: Any, device: str) -> dict[str, Any]:
    _, body = await h.get(f"/api/v1/devices/{device}/health")
    return body  # type: ignore[no-any-return]


async def test_silent_controller_goes_down_without_slowing_the_others(tmp_path: Path) -> None:
    configs = demo_fleet()[:4]
    async with start_sims(configs) as sims, \
            run_gateway([device_entry(s) for s in sims], tmp_path) as h:
        dead, alive = sims[0], sims[1:]
        await wait_for(lambda: all(rt.health.status.value == "up" for rt in h.gateway.registry),
                       what="all up")
        dead.faults.silent = True

        async def is_down() -> bool:
            return (await health(h, dead.config.id))["status"] == "down"

        await wait_for(is_down, what="silent controller down")
        body = await health(h, dead.config.id)
        assert body["reason"] == "timeout" and body["consecutive_failures"] >= 3
        before = {s.config.id: h.gateway.registry.get(s.config.id).health.health.last_seen
                  for s in alive}
        await asyncio.sleep(1.0)
        for sim in alive:  # the dead one does not hold the others back
            rt = h.gateway.registry.get(sim.config.id)
            assert rt.health.status.value != "down"
            assert rt.health.health.last_seen > before[sim.config.id]
        _, diag = await h.get(f"/api/v1/devices/{dead.config.id}/diagnostics")
        assert diag["errors_by_reason"]["timeout"] >= 3
        assert diag["exchanges"][0]["outcome"] == "timeout"

        dead.faults.silent = False

        async def is_up() -> bool:
            return (await health(h, dead.config.id))["status"] == "up"

        await wait_for(is_up, timeout_s=15, what="recovery")
        _, events = await h.get(f"/api/v1/events?device={dead.config.id}&type=device.")
        kinds = [e["type"] for e in events["items"]]
        assert kinds[-2:] == ["device.down", "device.up"], kinds
        assert events["items"][-1]["data"]["outage_s"] > 0


async def test_wrong_community_malformed_and_missing_objects(tmp_path: Path) -> None:
    configs = demo_fleet()[:3]
    half = dataclasses.replace(NtcipFaceOptions(), missing_oids=frozenset({
        (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 3, 6, 0),       # unitFlashStatus
        (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 9, 1),  # phaseStatusGroupPedCalls.1
        (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 11, 1),  # phaseStatusGroupPhaseNexts.1
    }))
    async with start_sims(configs[:2]) as sims, start_sims(configs[2:], options=half) as (
            partial,):
        wrong, garbage = sims
        devices = [device_entry(wrong, community="not-the-community"), device_entry(garbage),
                   device_entry(partial)]
        garbage.faults.malformed = True
        async with run_gateway(devices, tmp_path) as h:
            async def settled() -> bool:
                w = await health(h, wrong.config.id)
                g = await health(h, garbage.config.id)
                p = await health(h, partial.config.id)
                return w["status"] == "down" and g["status"] == "down" and \
                    p["status"] == "degraded"

            await wait_for(settled, what="three faulty controllers classified")
            assert (await health(h, wrong.config.id))["reason"] == "timeout"
            assert (await health(h, garbage.config.id))["reason"] == "decode_error"
            p = await health(h, partial.config.id)
            assert p["reason"] == "protocol_error" and "unitFlashStatus" in p["message"]
            status, state = await h.get(f"/api/v1/devices/{partial.config.id}/state")
            assert status == 200 and state["phases"]


async def test_reboot_and_clock_skew(tmp_path: Path) -> None:
    config = dataclasses.replace(demo_fleet()[0], clock_offset_s=42.0)
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        async def uptime_known() -> Any:
            body = await health(h, config.id)
            return body["uptime_s"] is not None and body["uptime_s"] > 4 and body

        body = await wait_for(uptime_known, what="uptime")
        assert 40.5 <= body["clock_offset_s"] <= 43.5
        sim.reboot()

        async def rebooted() -> bool:
            return (await health(h, config.id))["reboots_detected"] == 1

        await wait_for(rebooted, what="reboot detected")
        _, events = await h.get(f"/api/v1/events?device={config.id}&type=device.rebooted")
        assert len(events["items"]) == 1


async def test_objects_missing_for_a_while_then_back(tmp_path: Path) -> None:
    config = demo_fleet()[0]
    essentials = ((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 3, 5, 0),
                  (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 3, 6, 0),
                  (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 4, 10, 0))
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        rt = h.gateway.registry.get(config.id)
        await wait_for(lambda: rt.health.status.value == "up", what="up")
        sim.hide(*essentials)
        await wait_for(lambda: rt.health.status.value == "down", what="down")
        assert rt.health.health.reason == "protocol_error"
        sim.hide()
        await wait_for(lambda: rt.health.status.value == "up", what="back up after reopen")
        status, state = await h.get(f"/api/v1/devices/{config.id}/state")
        assert state["control"]["mode"] != "unknown"


async def test_new_pattern_seen_after_a_database_change(tmp_path: Path) -> None:
    config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        rt = h.gateway.registry.get(config.id)
        await wait_for(lambda: rt.health.status.value == "up", what="up")
        status, body = await h.command(config.id, "set_mode", {"mode": "free"})
        assert status == 200
        before = sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 6, 1, 1, 0))
        sim.engine.advance(sim.clock())
        sim.engine.update_pattern(1, offset_s=7)  # a database download changes the set id
        after = sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 6, 1, 1, 0))
        assert before != after

        async def offset_seen() -> bool:
            adapter = rt.adapter
            return adapter._layout.patterns.get(1, (0, 0))[1] == 7  # type: ignore[attr-defined]
        await wait_for(offset_seen, what="pattern table re-read")
