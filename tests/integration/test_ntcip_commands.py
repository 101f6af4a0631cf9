"""Operator commands to a simulated NTCIP controller: auth, validation, refusal, audit,
central control with the backup timer armed, re-asserted, and the fail-safe when it stops."""

from __future__ import annotations

import asyncio
import time
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
        rows = [(a["command"], a["outcome"], a["actor"]) for a in audit["items"]]
        assert rows == [
            ("set_pattern", "unauthorized", None), ("set_pattern", "unauthorized", None),
            ("set_pattern", "forbidden", "test-viewer"),
            ("set_pattern", "invalid", "test-operator"),
            ("set_pattern", "invalid", "test-operator"),
            ("set_pattern", "invalid", "test-operator"), ("reboot", "invalid", "test-operator"),
            ("set_mode", "rejected", "test-operator"), ("ptz_stop", "rejected", "test-operator"),
            ("?", "invalid", "test-operator")]


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
    skew = [0.0]  # the simulator's clock runs ahead when the test says so

    def clock() -> float:
        return time.time() + skew[0]

    async with start_sims([config], clock=clock) as (sim,):
        entry = device_entry(sim, options={"backup_time_s": 5}, interval_s=0.2)
        async with run_gateway([entry], tmp_path) as h:
            await up(h, config.id)
            other = next(p.number for p in config.patterns if p.number != config.local_pattern)
            status, body = await h.command(config.id, "set_pattern", {"pattern": other})
            assert status == 200, body
            await asyncio.sleep(7)  # longer than the backup time: re-assertion keeps control
            sim.engine.advance(sim.clock())
            assert sim.engine.unit_control_status == SYSTEM_CONTROL
        sim.engine.advance(sim.clock())
        assert sim.engine.unit_control_status == SYSTEM_CONTROL  # no reason to let go yet
        skew[0] = 6.0  # the gateway is gone; 6 s later the controller must fall back itself
        sim.engine.advance(sim.clock())
        assert sim.engine.unit_control_status == BACKUP_MODE
        assert not sim.engine.central.holds_control()


async def test_commands_racing_polls_never_leave_control_behind(tmp_path: Path) -> None:
    """Polls re-assert control; a release must not be undone by a poll in flight."""
    config = coordinated()
    async with start_sims([config]) as (sim,), run_gateway(
            [device_entry(sim, interval_s=0.06, options={"backup_time_s": 5})], tmp_path) as h:
        await up(h, config.id)
        for _ in range(8):
            status, body = await h.command(config.id, "set_pattern", {"pattern": 2})
            assert status == 200, body
            await asyncio.sleep(0.1)
            status, body = await h.command(config.id, "release")
            assert status == 200, body
            assert body["detail"]["system_pattern_control"] == 0
        await asyncio.sleep(0.5)
        sim.engine.advance(sim.clock())
        assert not sim.engine.central.holds_control()
        assert sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 4, 14, 0)) == (2, 0)


async def test_control_taken_by_someone_else_is_reported_not_fought(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), run_gateway(
            [device_entry(sim, options={"backup_time_s": 30})], tmp_path) as h:
        await up(h, config.id)
        assert (await h.command(config.id, "set_pattern", {"pattern": 2}))[0] == 200
        sim.engine.advance(sim.clock())
        sim.engine.set_system_pattern_control(3)  # another central system

        async def lost() -> bool:
            _, events = await h.get(f"/api/v1/events?device={config.id}"
                                    "&type=signal.control_lost")
            return bool(events["items"])
        await wait_for(lost, what="signal.control_lost")
        await asyncio.sleep(1.0)
        sim.engine.advance(sim.clock())
        assert sim.view.get((1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 4, 14, 0)) == (2, 3)


async def test_command_to_a_device_that_never_answered(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,):
        sim.faults.silent = True
        async with run_gateway([device_entry(sim)], tmp_path) as h:
            await wait_for(lambda: h.gateway.registry.get(config.id).health.status.value ==
                           "down", what="down")
            status, body = await h.command(config.id, "set_pattern", {"pattern": 2})
            assert status == 503 and body["detail"]["reason"] == "device_unavailable"
            _, audit = await h.get("/api/v1/audit", headers=h.op())
            assert audit["items"][-1]["outcome"] == "failed"
