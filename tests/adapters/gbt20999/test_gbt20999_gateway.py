"""Gateway <-> simulated GB/T 20999 controllers over real TCP and UDP sockets on 127.0.0.1:
state through the REST API, and operator commands down to the engine."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

from simulators.engine.codes import Override, UnitControlStatus
from simulators.engine.fleet import demo_fleet
from simulators.gbt20999.controller import Gbt20999SimOptions, SimulatedGbt20999Controller
from tests.adapters.gbt20999.gbt_harness import (
    coordinated,
    entry,
    start_sims,
    state,
    until_up,
)
from tests.harness import run_gateway, wait_for


def consistent(body: dict[str, Any], sim: SimulatedGbt20999Controller) -> None:
    """A state snapshot agrees with itself and with the controller's layout."""
    phases = {p["number"]: p for p in body["phases"]}
    assert sorted(phases) == list(range(1, 9))
    assert phases[2]["pedestrian"] is not None and phases[1]["pedestrian"] is None
    lit = {n for n, p in phases.items() if p["vehicle"] in ("green", "yellow")}
    stage = body["stage"]
    if stage is not None and body["control"]["mode"] in ("coordinated", "free"):
        assert lit <= set(sim.face.stages[stage["number"] - 1]), (lit, stage)
        assert stage["elapsed_s"] is not None and stage["remaining_s"] is not None
    walks = {n for n, p in phases.items() if p["pedestrian"] == "walk"}
    assert walks <= {n for n, p in phases.items() if p["vehicle"] == "green"}
    assert len(body["detectors"]) == sim.engine.detector_count
    assert abs(body["clock_offset_s"]) <= 1.5 and body["device_time"]


async def test_state_over_tcp_and_udp_with_each_crc_variant(tmp_path: Path) -> None:
    configs = demo_fleet()
    free = next(c for c in configs if c.local_pattern == 254)
    flash = next(c for c in configs if c.local_pattern == 255)
    faulty = next(c for c in configs if c.detector_faults)
    vendor = Gbt20999SimOptions(length_mode="between_delimiters", heartbeat_reply=0x71)
    async with start_sims([coordinated(), free]) as (tcp, udp), \
            start_sims([flash, faulty], options=Gbt20999SimOptions(crc_poly=0x1021,
                                                                   crc_init=0xFFFF)) as (
                ccitt_tcp, ccitt_udp), \
            start_sims([dataclasses.replace(coordinated(), id="gbt-vendor")],
                       options=vendor) as (vendor_udp,):
        devices = [entry(tcp), entry(udp, transport="udp"),
                   entry(ccitt_tcp, profile="gbt20999/ccitt-crc"),
                   entry(ccitt_udp, profile="gbt20999/ccitt-crc", transport="udp"),
                   entry(vendor_udp, profile="gbt20999/udp-vendor", transport="udp")]
        async with run_gateway(devices, tmp_path) as h:
            ids = [d["id"] for d in devices]
            await until_up(h, *ids)
            _, listing = await h.get("/api/v1/devices")
            for item in listing["items"]:
                assert item["adapter"] == "gbt20999" and item["model"].startswith("GB/T 20999")
                assert "GB/T 20999 face" in item["identity"]["vendor"]
                assert item["identity"]["firmware"] == "sw 1.02 hw 1.00"

            local = coordinated().local_pattern
            for sim in (tcp, vendor_udp):
                body = await state(h, sim.config.id)
                c = body["control"]
                assert (c["mode"], c["source"], c["pattern"]) == ("coordinated", "time_of_day",
                                                                  local)
                assert c["native"]["run_mode"] == 0x23 and not c["central_hold"]
                pattern = coordinated().pattern(local)
                assert pattern is not None
                assert body["cycle"]["length_s"] == pattern.cycle_s
                assert body["cycle"]["offset_s"] == pattern.offset_s
                consistent(body, sim)
            body = await state(h, udp.config.id)
            assert body["control"]["mode"] == "free" and body["control"]["pattern"] is None
            consistent(body, udp)
            body = await state(h, ccitt_tcp.config.id)
            assert body["control"]["mode"] == "flash"
            assert body["control"]["reason"] == "yellow_flash"
            yellow = set(flash.flash_yellow_phases)
            assert {p["number"]: p["vehicle"] for p in body["phases"]} == {
                n: "yellow_flash" if n in yellow else "red_flash" for n in range(1, 9)}
            assert body["stage"] is None

            async def fault_seen() -> Any:
                b = await state(h, ccitt_udp.config.id)
                return any(d["fault"] for d in b["detectors"]) and b

            body = await wait_for(fault_seen, what="detector fault")
            faulty_numbers = [n for n, _ in faulty.detector_faults.items()]
            assert [d["number"] for d in body["detectors"] if d["fault"]] == faulty_numbers
            codes = {a["code"] for a in body["alarms"]}
            assert {f"gbt_alarm_30_{faulty_numbers[0]:02x}", "gbt_fault_41"} <= codes

            async def stage_seen() -> Any:
                b = await state(h, tcp.config.id)
                return b["stage"] and b

            body = await wait_for(stage_seen, timeout_s=15, what="a running stage")
            consistent(body, tcp)


async def test_commands_reach_the_engine(tmp_path: Path) -> None:
    config = coordinated()
    other = next(p.number for p in config.patterns if p.number != config.local_pattern)
    piped = dataclasses.replace(config, id="gbt-piped")
    async with start_sims([config, piped]) as (sim, pipe_sim), \
            run_gateway([entry(sim), entry(pipe_sim, options={
                "special_control": "command_pipe"})], tmp_path) as h:
        await until_up(h, config.id, piped.id)
        status, body = await h.command(config.id, "set_pattern", {"pattern": other})
        assert status == 200, body
        assert body["detail"]["run_mode_name"] == "center_coordination"
        engine = sim.engine
        assert engine.central.system_pattern_control == other
        assert engine.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
        assert engine.central.unit_backup_time_s == round(sim.options.link_timeout_s)

        async def central() -> Any:
            c = (await state(h, config.id))["control"]
            return c["source"] == "central" and c["central_hold"] and c

        c = await wait_for(central, what="central control in /state")
        assert (c["mode"], c["pattern"]) == ("coordinated", other)

        status, body = await h.command(config.id, "set_pattern", {"pattern": 200})
        assert status == 422 and "not configured" in body["message"], body
        assert body["detail"]["configured_plans"] == [1, 2, 3]

        status, body = await h.command(config.id, "set_mode", {"mode": "flash"})
        assert status == 200, body
        assert engine.override is Override.FLASH and sim.face.assigned_run_mode == 0x31
        status, body = await h.command(config.id, "set_mode", {"mode": "all_red"})
        assert status == 200 and engine.override is Override.ALL_RED, body
        status, body = await h.command(config.id, "set_mode", {"mode": "free"})
        assert status == 200, body
        assert engine.override is None and engine.central.system_pattern_control == 254

        async def free_central() -> bool:
            c = (await state(h, config.id))["control"]
            return (c["mode"], c["source"], c["central_hold"]) == ("free", "central", True)

        await wait_for(free_central, what="central free in /state")
        status, body = await h.command(config.id, "release")
        assert status == 200, body
        assert not engine.central.holds_control() and engine.override is None
        assert sim.face.pipe == 0

        status, body = await h.command(piped.id, "set_mode", {"mode": "flash"})
        assert status == 200 and pipe_sim.face.pipe == 1, body
        assert pipe_sim.engine.override is Override.FLASH
        status, body = await h.command(piped.id, "set_mode", {"mode": "local"})
        assert status == 200 and pipe_sim.engine.override is None, body

        sim.faults.refuse_sets = 0x50  # control failed
        status, body = await h.command(config.id, "set_pattern", {"pattern": other})
        assert status == 409, body
        assert body["outcome"] == "rejected" and "control_failed" in body["message"]
        assert not engine.central.holds_control()

        _, audit = await h.get("/api/v1/audit", headers=h.op())
        assert [(a["device"], a["command"], a["outcome"]) for a in audit["items"]] == [
            (config.id, "set_pattern", "accepted"), (config.id, "set_pattern", "invalid"),
            (config.id, "set_mode", "accepted"), (config.id, "set_mode", "accepted"),
            (config.id, "set_mode", "accepted"), (config.id, "release", "accepted"),
            (piped.id, "set_mode", "accepted"), (piped.id, "set_mode", "accepted"),
            (config.id, "set_pattern", "rejected")]


async def test_plan_unknown_to_the_device_is_409(tmp_path: Path) -> None:
    """The plan table read at open said 3 exists; the device refuses it later (bad value)."""
    config = coordinated()
    async with start_sims([config]) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        await until_up(h, config.id)
        sim.engine.update_config(dataclasses.replace(
            sim.engine.config, patterns=sim.engine.config.patterns[:2],
            local_pattern=1))
        status, body = await h.command(config.id, "set_pattern", {"pattern": 3})
        assert status == 409 and "bad_value" in body["message"], body


async def test_control_taken_by_someone_else_is_reported_not_fought(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        await until_up(h, config.id)
        status, body = await h.command(config.id, "set_pattern", {"pattern": 3})
        assert status == 200, body
        sim.engine.advance(sim.clock())
        sim.engine.set_system_pattern_control(2)  # another center, or the cabinet panel

        async def lost() -> Any:
            _, events = await h.get(f"/api/v1/events?device={config.id}"
                                    "&type=signal.control_lost")
            return events["items"]

        events = await wait_for(lost, what="signal.control_lost")
        assert events[0]["data"]["held"] == "plan 3" and events[0]["data"]["current_plan"] == 2
        _, alarms = await h.get(f"/api/v1/events?device={config.id}&type=signal.alarm")
        assert any(e["data"]["code"] == "central_control_lost" for e in alarms["items"])
        await asyncio.sleep(0.6)  # several polls: the gateway must not take it back
        assert sim.engine.central.system_pattern_control == 2
        c = (await state(h, config.id))["control"]
        assert (c["pattern"], c["central_hold"]) == (2, False)


async def test_controller_returns_to_local_when_the_gateway_goes(tmp_path: Path) -> None:
    """No backup timer in GB/T 20999: the link timeout is the fail-safe [I]."""
    config = coordinated()
    skew = [0.0]  # the simulators' clock runs ahead when the test says so

    def clock() -> float:
        return time.time() + skew[0]

    options = Gbt20999SimOptions(link_timeout_s=1.0)
    async with start_sims([config, dataclasses.replace(config, id="gbt-flash")],
                          options=options, clock=clock) as (sim, flashing):
        async with run_gateway([entry(sim, options={"heartbeat_s": 0.3}),
                                entry(flashing, options={"heartbeat_s": 0.3})],
                               tmp_path) as h:
            await until_up(h, config.id, "gbt-flash")
            status, body = await h.command(config.id, "set_pattern", {"pattern": 2})
            assert status == 200, body
            status, body = await h.command("gbt-flash", "set_mode", {"mode": "flash"})
            assert status == 200, body
            await asyncio.sleep(1.5)  # longer than the link timeout: polls keep it alive
            sim.engine.advance(sim.clock())
            assert sim.engine.unit_control_status == UnitControlStatus.SYSTEM_CONTROL
            assert flashing.engine.override is Override.FLASH
        skew[0] = 2.0  # the gateway is gone; 2 s later the controllers must be local again

        async def local() -> bool:
            sim.engine.advance(sim.clock())
            return sim.engine.unit_control_status == UnitControlStatus.BACKUP_MODE and \
                flashing.engine.override is None

        await wait_for(local, timeout_s=2, what="both controllers back to local control")
        assert not sim.engine.central.holds_control()
        assert (0x30, 0x50) in sim.face.faults() and (0x30, 0x50) in flashing.face.faults()
