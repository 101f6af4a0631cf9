"""The gateway and simulated Modbus controllers over TCP on 127.0.0.1: state, commands, the
heartbeat fail-safe, and faults classified into health reasons."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml
from pymodbus.client import AsyncModbusTcpClient

from simulators.engine import Override
from simulators.engine.fleet import demo_fleet
from simulators.modbus.controller import SimulatedModbusController
from simulators.modbus.demo import ModbusDemo, device_entry
from tests.harness import run_gateway, wait_for

TSC, VENDOR = "modbus/tsc-modbus", "modbus/vendor-quirks"
SYSTEM_CONTROL, BACKUP_MODE = 2, 4
PROFILES = Path(__file__).resolve().parents[3] / "profiles"


@asynccontextmanager
async def sims(*specs: tuple[int, str]) -> AsyncIterator[list[SimulatedModbusController]]:
    """Simulated controllers: (index into demo_fleet(), profile) each."""
    out = [SimulatedModbusController(demo_fleet()[i], profile=p, seed=i) for i, p in specs]
    try:
        for sim in out:
            await sim.start()
        yield out
    finally:
        for sim in out:
            await sim.close()


def entry(sim: SimulatedModbusController, **options: Any) -> dict[str, Any]:
    return device_entry(sim, interval_s=0.2, timeout_s=0.4, options=options)


async def health(h: Any, device: str) -> dict[str, Any]:
    _, body = await h.get(f"/api/v1/devices/{device}/health")
    return body  # type: ignore[no-any-return]


async def status_is(h: Any, device: str, status: str, timeout_s: float = 10) -> dict[str, Any]:
    async def check() -> Any:
        body = await health(h, device)
        return body["status"] == status and body
    return await wait_for(check, timeout_s, f"{device} {status}")  # type: ignore[no-any-return]


async def state(h: Any, device: str) -> dict[str, Any]:
    status, body = await h.get(f"/api/v1/devices/{device}/state")
    assert status == 200, body
    return body  # type: ignore[no-any-return]


async def test_state_from_both_register_maps(tmp_path: Path) -> None:
    async with sims((4, TSC), (1, VENDOR)) as (tsc, vendor), \
            run_gateway([entry(tsc), entry(vendor)], tmp_path) as h:
        for sim in (tsc, vendor):
            body = await status_is(h, sim.config.id, "up")
            assert body["uptime_s"] is not None and body["uptime_s"] >= 0
            assert abs(body["clock_offset_s"]) < 1.5
            s = await state(h, sim.config.id)
            e = sim.engine
            pattern = e.coord_pattern_status
            assert s["control"]["mode"] == "coordinated" and s["control"]["pattern"] == pattern
            assert s["control"]["source"] == "time_of_day" and not s["control"]["central_hold"]
            assert s["cycle"]["length_s"] == sim.config.pattern(pattern).cycle_s  # type: ignore[union-attr]
            assert 0 <= s["cycle"]["position_s"] < s["cycle"]["length_s"]
            assert [p["number"] for p in s["phases"]] == list(range(1, 9))
            assert {p["vehicle"] for p in s["phases"]} <= {"red", "yellow", "green",
                                                           "red_yellow"}
            assert s["phases"][1]["pedestrian"] in ("walk", "ped_clear", "dont_walk")
            assert s["phases"][0]["pedestrian"] == "dark"  # phase 1 has no ped head
            assert len(s["detectors"]) == 16
        s = await state(h, tsc.config.id)
        assert s["detectors"][2] == {"number": 3, "active": True, "fault": True}  # stuck on
        assert "detector_fault" in {a["code"] for a in s["alarms"]}
        assert s["control"]["native"]["unit_control_status"] == 6
        assert len(s["preemption"]) == 6 and not any(p["active"] for p in s["preemption"])
        v = await state(h, vendor.config.id)
        assert v["control"]["native"] == {"run_mode": 3, "running_plan": pattern,
                                          "cabinet_temperature": "-3.5"}
        vendor.set_door_open(True)

        async def door() -> bool:
            return "cabinet_door_open" in {a["code"] for a in (await state(
                h, vendor.config.id))["alarms"]}
        await wait_for(door, what="door alarm")


async def test_commands_tsc_map(tmp_path: Path) -> None:
    async with sims((0, TSC)) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        ident, e = sim.config.id, sim.engine
        await status_is(h, ident, "up")
        status, body = await h.command(ident, "set_pattern", {"pattern": 2})
        assert status == 200, body
        assert body["detail"]["writes"] == ["backup_time=60", "pattern_control=2"]
        assert e.central.system_pattern_control == 2 and e.central.unit_backup_time_s == 60

        async def central() -> bool:
            c = (await state(h, ident))["control"]
            return bool(c["source"] == "central" and c["central_hold"] and c["pattern"] == 2)
        await wait_for(central, what="central control in the state")
        status, body = await h.command(ident, "set_pattern", {"pattern": 9})
        assert status == 422 and body["detail"]["configured_patterns"] == [1, 2, 3]
        status, _ = await h.command(ident, "set_mode", {"mode": "flash"})
        assert status == 200 and e.coord_pattern_status == 255

        async def flash() -> bool:
            return bool((await state(h, ident))["control"]["mode"] == "flash")
        await wait_for(flash, what="flash in the state")
        status, _ = await h.command(ident, "set_mode", {"mode": "free"})
        assert status == 200 and e.central.system_pattern_control == 254
        status, _ = await h.command(ident, "set_mode", {"mode": "all_red"})
        assert status == 200 and e.override is Override.ALL_RED

        async def all_red() -> bool:
            return bool((await state(h, ident))["control"]["mode"] == "all_red")
        await wait_for(all_red, what="all red in the state")
        sim.faults.write_exception = 4
        status, body = await h.command(ident, "set_pattern", {"pattern": 3})
        assert status == 409, body
        assert "exception 4 (server device failure)" in body["message"]
        sim.faults.write_exception = None
        status, body = await h.command(ident, "release")
        assert status == 200, body
        assert e.override is None and e.central.system_pattern_control == 0
        assert e.unit_control_status != SYSTEM_CONTROL
        _, audit = await h.get("/api/v1/audit", headers=h.op())
        assert [(a["command"], a["outcome"]) for a in audit["items"]] == [
            ("set_pattern", "accepted"), ("set_pattern", "invalid"), ("set_mode", "accepted"),
            ("set_mode", "accepted"), ("set_mode", "accepted"), ("set_pattern", "rejected"),
            ("release", "accepted")]


async def test_commands_vendor_map_and_refusals(tmp_path: Path) -> None:
    async with sims((1, VENDOR)) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        ident, e = sim.config.id, sim.engine
        await status_is(h, ident, "up")
        status, body = await h.command(ident, "set_mode", {"mode": "flash"})
        assert status == 200, body
        assert e.override is Override.FLASH  # the vendor's own flash coil

        async def flash() -> bool:
            c = (await state(h, ident))["control"]
            return bool(c["mode"] == "flash" and c["native"]["run_mode"] == 10)
        await wait_for(flash, what="vendor flash code")
        status, body = await h.command(ident, "set_pattern", {"pattern": 3})
        assert status == 200 and e.central.system_pattern_control == 3
        status, body = await h.command(ident, "release")
        assert status == 200 and e.override is None and not e.central.holds_control()


async def test_heartbeat_keeps_control_and_the_failsafe_returns_it(tmp_path: Path) -> None:
    skew = [0.0]  # the simulator's clock jumps ahead once the gateway is gone
    sim = SimulatedModbusController(demo_fleet()[0], profile=TSC,
                                    clock=lambda: time.time() + skew[0])
    await sim.start()
    try:
        ident, e = sim.config.id, sim.engine
        async with run_gateway([entry(sim, backup_time_s=2)], tmp_path) as h:
            await status_is(h, ident, "up")
            assert (await h.command(ident, "set_pattern", {"pattern": 2}))[0] == 200
            assert (await h.command(ident, "set_mode", {"mode": "all_red"}))[0] == 200
            beat = sim.face.stored.get("heartbeat")
            await asyncio.sleep(2.6)  # longer than the backup time: the heartbeat keeps control
            e.advance(sim.clock())
            assert sim.face.stored.get("heartbeat") != beat
            assert e.override is Override.ALL_RED and e.central.system_pattern_control == 2
            assert e.unit_control_status != BACKUP_MODE
        skew[0] = 2.5  # the gateway is gone; 2.5 s later the controller has fallen back
        e.advance(sim.clock())
        sim.face.check_watchdog(sim.clock())
        assert e.unit_control_status == BACKUP_MODE and e.central.system_pattern_control == 0
        assert e.override is None
    finally:
        await sim.close()


async def test_control_taken_by_another_system_is_reported_not_fought(tmp_path: Path) -> None:
    async with sims((0, TSC)) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        ident, e = sim.config.id, sim.engine
        await status_is(h, ident, "up")
        assert (await h.command(ident, "set_pattern", {"pattern": 2}))[0] == 200
        other = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=1, retries=0)
        await other.connect()
        await other.write_register(0, 3, device_id=1)  # another central system
        other.close()

        async def lost() -> bool:
            _, events = await h.get(f"/api/v1/events?device={ident}&type=signal.control_lost")
            return bool(events["items"])
        await wait_for(lost, what="signal.control_lost")
        _, events = await h.get(f"/api/v1/events?device={ident}&type=signal.control_lost")
        assert events["items"][0]["data"] == {"held": "set_pattern",
                                              "device": "pattern_control=3 (expected 2)"}
        await asyncio.sleep(0.6)
        assert e.central.system_pattern_control == 3  # not fought
        assert not (await state(h, ident))["control"]["central_hold"]


async def test_faults_become_health_reasons(tmp_path: Path) -> None:
    async with sims((0, TSC), (1, TSC), (2, TSC), (3, TSC), (4, TSC), (0, VENDOR),
                    (1, VENDOR)) as (exc, silent, refused, fine, dropping, vendor, garbled):
        devices = [entry(s) for s in (exc, silent, refused, fine, dropping)]
        devices.append({**entry(garbled), "id": "garbled"})
        devices.append({**device_entry(vendor, interval_s=0.2, timeout_s=0.8,
                                       options={"unit_id": 7}), "id": "ignores-unit"})
        devices.append({**entry(fine, unit_id=9), "id": "wrong-unit"})
        async with run_gateway(devices, tmp_path) as h:
            for sim in (exc, silent, refused, fine, dropping):
                await status_is(h, sim.config.id, "up")
            exc.faults.exception = 4
            silent.faults.silent = True
            dropping.faults.drop = True
            garbled.faults.malformed = True
            await refused.stop_listening()
            body = await status_is(h, exc.config.id, "down")
            assert body["reason"] == "protocol_error" and "exception 4" in body["message"]
            assert (await status_is(h, silent.config.id, "down"))["reason"] == "timeout"
            body = await status_is(h, refused.config.id, "down")
            assert body["reason"] == "refused" and "refused" in body["message"]
            body = await status_is(h, dropping.config.id, "down")
            assert body["reason"] == "refused" and "closed the connection" in body["message"]
            body = await status_is(h, "ignores-unit", "down")
            assert body["reason"] == "timeout" and "wrong unit id?" in body["message"]
            body = await status_is(h, "garbled", "down")
            assert body["reason"] == "decode_error" and "malformed answer" in body["message"]
            body = await status_is(h, "wrong-unit", "down")
            assert body["reason"] == "protocol_error" and "exception 11" in body["message"]
            assert (await health(h, fine.config.id))["status"] == "up"
            await _recover(h, exc, silent, refused)


async def _recover(h: Any, exc: SimulatedModbusController, silent: SimulatedModbusController,
                   refused: SimulatedModbusController) -> None:
    _, diag = await h.get(f"/api/v1/devices/{exc.config.id}/diagnostics")
    assert diag["errors_by_reason"]["protocol_error"] >= 3
    assert "exception 4 (server device failure)" in diag["last_error"]["response"]
    silent.faults.silent = False
    await refused.resume()
    await status_is(h, silent.config.id, "up", timeout_s=15)
    await status_is(h, refused.config.id, "up", timeout_s=15)


async def test_quirks_pauses_missing_points_and_reboot(tmp_path: Path) -> None:
    tsc = yaml.safe_load((PROFILES / f"{TSC}.yaml").read_text())["options"]
    extra = {**tsc, "points": {**tsc["points"],
                               "vendor_counter": {"table": "input", "address": 400}},
             "native": ["sync_timer", "vendor_counter"]}
    async with sims((1, VENDOR), (2, VENDOR), (3, TSC)) as (paced, hasty, partial):
        devices = [entry(paced), entry(hasty, inter_request_pause_ms=0), entry(partial, **extra)]
        async with run_gateway(devices, tmp_path) as h:
            await status_is(h, paced.config.id, "up")
            body = await status_is(h, hasty.config.id, "down")
            assert body["reason"] == "protocol_error" and "device busy" in body["message"]
            body = await status_is(h, partial.config.id, "degraded")
            assert body["reason"] == "protocol_error" and "vendor_counter" in body["message"]
            assert (await state(h, partial.config.id))["phases"]

            async def running() -> bool:
                return ((await health(h, paced.config.id))["uptime_s"] or 0) > 2.5
            await wait_for(running, what="uptime")
            paced.reboot()

            async def rebooted() -> bool:
                return bool((await health(h, paced.config.id))["reboots_detected"] == 1)
            await wait_for(rebooted, what="reboot detected")


async def test_demo_fleet_comes_up(tmp_path: Path) -> None:
    demo = ModbusDemo()
    try:
        devices = await demo.start()
        assert [d["id"] for d in devices] == ["mb-01", "mb-02"]
        assert {d["profile"] for d in devices} == {TSC, VENDOR}
        async with run_gateway(devices, tmp_path) as h:
            for d in devices:
                await status_is(h, d["id"], "up")
                assert (await state(h, d["id"]))["control"]["mode"] == "coordinated"
    finally:
        await demo.close()
