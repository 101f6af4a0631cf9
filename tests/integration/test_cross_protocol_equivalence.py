"""One controller, three protocols: the same timing-engine state served through the NTCIP 1202,
GB/T 20999 and Modbus (TSC map) simulator faces yields the same normalized state from the
gateway, at several moments of the controller's life.

The three simulators run twin engines (same config, seed and clock, so the same state at every
instant; checked on the engines' lamp bits before comparing). The simulated clock is frozen and
moved by the test, and every comparison is made after a fresh poll (POST .../probe) of each
device, so no poll straddles a change.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from simulators.engine import Override
from simulators.engine.fleet import demo_fleet
from simulators.gbt20999.controller import SimulatedGbt20999Controller
from simulators.modbus.controller import SimulatedModbusController
from simulators.ntcip.controller import SimulatedController
from tests.harness import Harness, device_entry, run_gateway

T0 = 1_800_000_000.0


def comparable(state: dict[str, Any]) -> dict[str, Any]:
    """The part of the normalized state that all three protocols carry. A phase without a
    ped head is `pedestrian: null` where the protocol says so (NTCIP channel table, GB/T light
    groups); the TSC Modbus map only has ped bits, so there it is `dark`: both mean "no ped
    lamp lit" and compare equal here."""
    return {
        "mode": state["control"]["mode"],
        "pattern": state["control"]["pattern"],
        "phases": [(p["number"], p["vehicle"], p["pedestrian"] or "dark")
                   for p in state["phases"]],
        "detector_faults": sorted(d["number"] for d in state["detectors"] if d["fault"]),
    }


async def snapshot(h: Harness, ids: list[str]) -> list[dict[str, Any]]:
    out = []
    for device in ids:
        async with h.http.post(f"{h.base}/api/v1/devices/{device}/probe",
                               headers=h.op()) as resp:
            probe = await resp.json()
            assert probe["outcome"] == "ok", probe
        status, state = await h.get(f"/api/v1/devices/{device}/state")
        assert status == 200, state
        out.append(comparable(state))
    return out


async def test_same_engine_state_same_normalized_state(tmp_path: Path) -> None:
    base = next(c for c in demo_fleet() if c.detector_faults and 1 <= c.local_pattern <= 253)
    now = [T0]

    def clock() -> float:
        return now[0]

    ntcip = SimulatedController(dataclasses.replace(base, id="x-ntcip"), seed=7, clock=clock)
    gbt = SimulatedGbt20999Controller(dataclasses.replace(base, id="x-gbt"), seed=7,
                                      clock=clock)
    mb = SimulatedModbusController(dataclasses.replace(base, id="x-modbus"),
                                   profile="modbus/tsc-modbus", seed=7, clock=clock)
    sims: list[Any] = [ntcip, gbt, mb]
    for sim in sims:
        await sim.start()
    try:
        devices = [
            device_entry(ntcip, interval_s=5.0, timeout_s=1.0, options={"backup_time_s": 30}),
            {**device_entry(gbt, interval_s=5.0, timeout_s=1.0), "adapter": "gbt20999",
             "profile": "gbt20999/standard", "credentials": None,
             "options": {"transport": "tcp"}},
            {**device_entry(mb, interval_s=5.0, timeout_s=1.0), "adapter": "modbus",
             "profile": "modbus/tsc-modbus", "credentials": None, "options": {}},
        ]
        ids = [d["id"] for d in devices]
        async with run_gateway(devices, tmp_path) as h:
            moments = [0.0, 3.3, 17.9, 41.2, 66.6]
            seen: set[str] = set()
            for moment in moments:
                now[0] = T0 + moment
                for sim in sims:
                    sim.engine.advance(clock())
                lamps = {(s.engine.greens, s.engine.yellows, s.engine.reds) for s in sims}
                assert len(lamps) == 1, f"twin engines diverged at +{moment} s: {lamps}"
                states = await snapshot(h, ids)
                assert states[0] == states[1] == states[2], (moment, states)
                seen.add(repr(states[0]["phases"]))
            assert len(seen) >= 3, "the moments must show different signal states"
            # a flash forced at the cabinet shows the same everywhere
            for sim in sims:
                sim.engine.set_override(Override.FLASH)
            now[0] = T0 + 200.0
            for sim in sims:
                sim.engine.advance(clock())
            states = await snapshot(h, ids)
            assert states[0]["mode"] == "flash"
            assert states[0] == states[1] == states[2], states
    finally:
        for sim in sims:
            await sim.close()
