"""Operator commands to a simulated NTCIP controller: auth, validation, refusal, audit,
central control with the backup timer armed, re-asserted, and the fail-safe when it stops."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from simulators.engine.fleet import demo_fleet
from tests.harness import VIEWER_TOKEN, device_entry, run_gateway, start_sims, wait_for

SYSTEM_CONTROL, BACKUP_MODE = 2, 4


def coordinated() -> Any:
    return next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)


async def up(h: Any, device: str) -> None:
    async def ok() -> bool:
        _, body = await h.get(f"/api/v1/devices/{device}")
        return body["health"]["status"] == "up"
    await wait_for(ok, what=f"{device} up")


async def test_set_pattern_free_flash_release_and_audit(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        await up(h, config.id)
        other = next(p.number for p in config.patterns if p.number != config.local_pattern)
        status, body = await h.command(config.id, "set_pattern", {"pattern": other})
        assert status == 200, body
        assert body["outcome"] == "accepted" and body["actor"] == "test-operator"
        assert sim.engine.central.holds_control()
        assert sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 4, 14, 0)) == (2, other)
        assert sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 3, 3, 0)) == (2, 60)

        async def central() -> Any:
            _, s = await h.get(f"/api/v1/devices/{config.id}/state")
            c = s["control"]
            return c["source"] == "central" and c["central_hold"] and s
        await wait_for(central, what="central control visible in state")

        status, body = await h.command(config.id, "set_mode", {"mode": "flash"})
        assert status == 200, body
        assert sim.engine.unit_flash_status != 2

        async def mode_event() -> bool:
            _, events = await h.get(f"/api/v1/events?device={config.id}&type=signal.mode")
            return any(e["data"]["to"]["mode"] == "flash" for e in events["items"])
        await wait_for(mode_event, timeout_s=20, what="signal.mode_changed to flash")
        status, body = await h.command(config.id, "set_mode", {"mode": "free"})
        assert status == 200, body
        status, body = await h.command(config.id, "release")
        assert status == 200, body
        assert not sim.engine.central.holds_control()
        assert sim.engine.unit_control_status != SYSTEM_CONTROL

        status, audit = await h.get("/api/v1/audit", headers=h.op())
        assert status == 200
        assert [(a["command"], a["outcome"]) for a in audit["items"]] == [
            ("set_pattern", "accepted"), ("set_mode", "accepted"), ("set_mode", "accepted"),
            ("release", "accepted")]


async def test_refusals_are_clear_and_audited(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        await up(h, config.id)
        status, body = await h.command(config.id, "set_pattern", {"pattern": 2}, token=None)
        assert status == 401 and body["error"] == "unauthorized"
        status, body = await h.command(config.id, "set_pattern", {"pattern": 2},
                                       token="wrong-token-000000000000")
        assert status == 401
        status, body = await h.command(config.id, "set_pattern", {"pattern": 2},
                                       token=VIEWER_TOKEN)
        assert status == 403 and body["error"] == "forbidden"
        status, body = await h.command(config.id, "set_pattern", {"pattern": 200})
        assert status == 422 and "not configured" in body["message"]
        assert body["detail"]["configured_patterns"]
        status, body = await h.command(config.id, "set_pattern", {"pattern": "two"})
        assert status == 422 and "pattern" in body["message"]
        status, body = await h.command(config.id, "set_pattern", {"pattern": 2, "x": 1})
        assert status == 422
        status, body = await h.command(config.id, "reboot")
        assert status == 422 and "unknown command" in body["message"]
        status, body = await h.command(config.id, "set_mode", {"mode": "all_red"})
        assert status == 501
        status, body = await h.command(config.id, "ptz_stop")
        assert status == 501
        assert not sim.engine.central.holds_control()
        async with h.http.post(f"{h.base}/api/v1/devices/{config.id}/commands",
                               data=b"{not json", headers=h.op()) as resp:
            assert resp.status == 422
            assert "JSON" in (await resp.json())["message"]

        _, audit = await h.get("/api/v1/audit", headers=h.op())
        outcomes = [a["outcome"] for a in audit["items"]]
        assert outcomes == ["unauthorized", "unauthorized", "forbidden", "invalid", "invalid",
                            "invalid", "invalid", "rejected", "rejected"]


async def test_device_refusal_is_409(tmp_path: Path) -> None:
    """A controller that answers a SET with an error (write access locked: readOnly)."""
    config = coordinated()
    async with start_sims([config]) as (sim,), \
            run_gateway([device_entry(sim)], tmp_path) as h:
        await up(h, config.id)
        sim.refuse_sets = 4  # readOnly
        status, body = await h.command(config.id, "set_pattern", {"pattern": 2})
        assert status == 409, body
        assert body["outcome"] == "rejected" and "read_only" in body["message"]
        assert not sim.engine.central.holds_control()
        _, audit = await h.get("/api/v1/audit", headers=h.op())
        assert audit["items"][-1]["outcome"] == "rejected"


async def test_backup_timer_reasserted_then_failsafe_when_gateway_stops(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,):
        entry = device_entry(sim, options={"backup_time_s": 5})
        async with run_gateway([entry], tmp_path) as h:
            await up(h, config.id)
            other = next(p.number for p in config.patterns if p.number != config.local_pattern)
            status, body = await h.command(config.id, "set_pattern", {"pattern": other})
            assert status == 200, body
            await asyncio.sleep(7)  # longer than the backup time: re-assertion keeps control
            sim.engine.advance(sim.clock())
            assert sim.engine.unit_control_status == SYSTEM_CONTROL
        await asyncio.sleep(6.5)  # gateway gone: the controller must fall back on its own
        sim.engine.advance(sim.clock())
        assert sim.engine.unit_control_status == BACKUP_MODE
        assert not sim.engine.central.holds_control()
