"""Misbehaving GB/T 20999 controllers and field quirks: each gets the right health and reason,
active reports and heartbeats flow both ways, and none of it stalls the other devices."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from simulators.engine.codes import DetectorFault
from simulators.engine.fleet import demo_fleet
from simulators.gbt20999.controller import Gbt20999SimOptions
from tests.adapters.gbt20999.gbt_harness import (
    CCITT,
    coordinated,
    entry,
    health,
    start_sims,
    state,
    until_up,
)
from tests.harness import Harness, run_gateway, wait_for


def fleet(n: int) -> list[Any]:
    base = coordinated()
    return [dataclasses.replace(base, id=f"gbt-{i}") for i in range(n)]


async def settle(h: Harness, expected: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """Wait until every device has (status, reason); return their health bodies."""
    seen: dict[str, Any] = {}

    async def done() -> Any:
        bodies = {d: await health(h, d) for d in expected}
        seen.update({d: (b["status"], b["reason"]) for d, b in bodies.items()})
        ok = all((b["status"], b["reason"]) == expected[d] for d, b in bodies.items())
        return ok and bodies

    try:
        got = await wait_for(done, timeout_s=30, what="the expected health")
    except AssertionError as err:
        raise AssertionError(f"{err}; last seen {seen}") from None
    return got  # type: ignore[no-any-return]


async def test_wire_faults_map_to_health_reasons(tmp_path: Path) -> None:
    configs = fleet(8)
    async with start_sims(configs) as sims, \
            start_sims([dataclasses.replace(configs[0], id="gbt-ccitt")],
                       options=Gbt20999SimOptions(**CCITT)) as (ccitt,):
        crc, silent, truncated, escape, gb25280, dropped, slow, healthy = sims
        crc.faults.bad_crc = True
        silent.faults.silent = True
        truncated.faults.truncate = True
        escape.faults.bad_escape = True
        gb25280.faults.gb25280 = True
        dropped.faults.drop_connection = True
        slow.faults.latency_s = 1.0
        devices = [entry(s) for s in sims] + [entry(ccitt)]  # standard CRC: wrong variant
        async with run_gateway(devices, tmp_path) as h:
            bodies = await settle(h, {
                crc.config.id: ("down", "decode_error"), silent.config.id: ("down", "timeout"),
                truncated.config.id: ("down", "decode_error"),
                escape.config.id: ("down", "decode_error"),
                gb25280.config.id: ("down", "decode_error"),
                dropped.config.id: ("down", "refused"), slow.config.id: ("down", "timeout"),
                healthy.config.id: ("up", "ok"), "gbt-ccitt": ("down", "decode_error")})
            assert "CRC mismatch" in bodies[crc.config.id]["message"]
            assert "poly 0x1005" in bodies["gbt-ccitt"]["message"]
            assert "GB 25280" in bodies[gb25280.config.id]["message"]
            assert "bad escape" in bodies[escape.config.id]["message"]
            assert bodies[healthy.config.id]["last_poll_latency_ms"] < 200
            _, diag = await h.get(f"/api/v1/devices/{crc.config.id}/diagnostics")
            assert diag["errors_by_reason"]["decode_error"] >= 3

            for sim in (crc, silent, dropped, slow):
                sim.faults.bad_crc = sim.faults.silent = False
                sim.faults.drop_connection, sim.faults.latency_s = False, 0.0
            await until_up(h, crc.config.id, silent.config.id, dropped.config.id,
                           slow.config.id, timeout_s=15)


async def test_quirks_are_tolerated(tmp_path: Path) -> None:
    configs = fleet(3)
    strict = Gbt20999SimOptions(element_queries_only=True, split_tables=True)
    async with start_sims(configs[:2]) as (quirky, lacking), \
            start_sims(configs[2:], options=strict) as (per_element,):
        quirky.faults.status_byte = True
        lacking.options = dataclasses.replace(lacking.options, missing=frozenset({
            (13, 1, 3), (14, 1, 0), (3, 3, 1)}))  # door, presence, lamp status
        devices = [entry(quirky), entry(lacking), entry(per_element)]
        async with run_gateway(devices, tmp_path) as h:
            bodies = await settle(h, {quirky.config.id: ("up", "ok"),
                                      lacking.config.id: ("degraded", "protocol_error"),
                                      per_element.config.id: ("up", "ok")})
            assert "3.3.1 light-group status" in bodies[lacking.config.id]["message"]
            body = await state(h, quirky.config.id)
            assert body["control"]["native"]["value_status_bytes"] > 0
            assert body["control"]["pattern"] == coordinated().local_pattern
            assert body["cycle"]["length_s"] and len(body["phases"]) == 8
            body = await state(h, per_element.config.id)
            assert body["cycle"]["length_s"] and len(body["phases"]) == 8
            assert {p["pedestrian"] for p in body["phases"]} != {None}
            status, result = await h.command(per_element.config.id, "set_pattern",
                                             {"pattern": 2})
            assert status == 200, result


async def test_active_reports_and_heartbeats(tmp_path: Path) -> None:
    config = coordinated()
    talkative = Gbt20999SimOptions(heartbeat_s=0.3, heartbeat_reply=0x71)
    async with start_sims([config], options=talkative) as (sim,), \
            run_gateway([entry(sim, interval_s=1.0, options={
                "heartbeat_s": 0.3, "heartbeat_reply": 0x71})], tmp_path) as h:
        await until_up(h, config.id)

        async def reports() -> Any:
            body = await state(h, config.id)
            return body["control"]["native"]["reports"] >= 1 and body

        await wait_for(reports, what="an active report counted")
        sim.add_fault(0x44, 0x00, persistent=False)  # clock fault, reported only

        async def reported() -> Any:
            body = await state(h, config.id)
            return any(a["code"] == "gbt_fault_44" for a in body["alarms"]) and body

        await wait_for(reported, what="reported fault in /state")
        sim.engine.advance(sim.clock())
        sim.engine.set_detector_fault(5, DetectorFault.STUCK_ON)

        async def detector() -> Any:
            body = await state(h, config.id)
            return any(d["fault"] for d in body["detectors"]) and body

        body = await wait_for(detector, what="detector fault")
        assert {"gbt_fault_41", "gbt_alarm_30_05"} <= {a["code"] for a in body["alarms"]}
        assert sim.traps_sent >= 2
        _, events = await h.get(f"/api/v1/events?device={config.id}&type=signal.")
        types = {e["type"] for e in events["items"]}
        assert {"signal.alarm", "signal.detector_fault"} <= types

        async def heartbeats() -> bool:
            _, diag = await h.get(f"/api/v1/devices/{config.id}/diagnostics")
            return any(x["operation"] == "heartbeat" and x["outcome"] == "ok"
                       for x in diag["exchanges"])

        await wait_for(heartbeats, what="adapter heartbeat answered with 0x71")
        assert sim.heartbeats_answered >= 1  # the adapter answered the controller's 0x70


async def test_reboot_shows_startup_flash(tmp_path: Path) -> None:
    config = demo_fleet()[0]
    async with start_sims([config]) as (sim,), run_gateway([entry(sim)], tmp_path) as h:
        await until_up(h, config.id)
        sim.reboot()

        async def flashing() -> Any:
            body = await state(h, config.id)
            return body["control"]["mode"] == "flash" and body

        body = await wait_for(flashing, what="startup flash")
        assert body["control"]["native"]["run_mode_name"] == "yellow_flash"
