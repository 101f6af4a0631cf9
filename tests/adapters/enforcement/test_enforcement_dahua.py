"""Dahua ITC over real sockets: the simulator's attach stream (digest auth) into a real gateway.
Snapshot groups become one record each with their pictures byte-exact; violations only on red;
RealUTC, not UTC; the key=value form with snapshot.cgi pictures; a bad part costs one part."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from simulators.enforcement.dahua_camera import DahuaItcConfig, DahuaItcSim
from simulators.enforcement.dahua_payload import DahuaQuirks
from simulators.enforcement.traffic import Crossing
from tests.adapters.enforcement.enf_harness import all_violations, dahua_device, image_sha256s
from tests.adapters.enforcement.enf_sims import CONTROLLER, all_phase_lanes, check_signals
from tests.harness import Harness, run_gateway, wait_for


async def _settle(h: Harness, sim: DahuaItcSim, count: int) -> list[dict[str, object]]:
    async def stored() -> bool:
        return len(await all_violations(h.http, h.base)) >= count

    await wait_for(stored, 10, f"{count} records")
    await asyncio.sleep(0.3)
    return await all_violations(h.http, h.base)


def _violations(sim: DahuaItcSim) -> dict[str, tuple[Crossing, list[bytes]]]:
    return {k: v for k, v in sim.streamed.items() if v[0].is_violation}


async def test_attach_stream_groups_red_only(tmp_path: Path) -> None:
    sim = DahuaItcSim(DahuaItcConfig(id="dh-main-1st", controller=CONTROLLER, seed=7,
                                     lanes=all_phase_lanes(3.0, run_red_p=0.5)))
    await sim.start()
    try:
        async with run_gateway([dahua_device("dh-main-1st", port=sim.port)], tmp_path) as h:
            await wait_for(lambda: sim.subscribers, 5, "attach subscriber")
            await asyncio.sleep(2.0)
            sim.generating = False
            expected = _violations(sim)
            assert len(expected) > 3
            items = await _settle(h, sim, len(expected))
            by_raw = {str(i["raw_id"]): i for i in items}
            assert set(by_raw) == set(expected)
            for raw_id, (crossing, images) in expected.items():
                item = by_raw[raw_id]
                shas = [hashlib.sha256(img).hexdigest() for img in images]
                assert [i["sha256"] for i in item["images"]] == shas  # type: ignore[attr-defined]
                assert await image_sha256s(h.http, h.base, item) == shas
                assert item["signal_state"] == "red" and item["lane"] == crossing.lane
                assert datetime.fromisoformat(str(item["time"])) == \
                    datetime.fromtimestamp(crossing.time, UTC)
            assert check_signals(CONTROLLER, sim.start_time, 7, sim.crossings) == \
                len(sim.crossings)
            reads = [c for c, _ in sim.streamed.values() if not c.is_violation]
            assert reads
            await h.gateway.store.flush()
            _, events = await h.get("/api/v1/events?type=enforcement.plate_read&limit=1000")
            assert sorted(e["data"]["plate"] for e in events["items"]) == \
                sorted(c.plate for c in reads)
            assert {e["data"]["signal_state"] for e in events["items"]} <= {"green", "yellow"}
            _, dev = await h.get("/api/v1/devices/dh-main-1st")
            assert dev["health"]["status"] == "up" and dev["identity"]["vendor"] == "Dahua"
    finally:
        await sim.close()


async def test_key_value_form_snapshots_and_utc_offset(tmp_path: Path) -> None:
    """Old firmware: key=value parts, no pictures on the stream (snapshot.cgi, 1-based), no
    RealUTC (UTC is local: the configured offset is taken off)."""
    quirks = DahuaQuirks(key_value=True, images_on_stream=False, real_utc=False,
                         utc_offset_s=8 * 3600, group_size=2)
    sim = DahuaItcSim(DahuaItcConfig(id="dh-old", controller=CONTROLLER, seed=3, quirks=quirks,
                                     lanes=all_phase_lanes(2.0, run_red_p=1.0)))
    await sim.start()
    try:
        device = dahua_device("dh-old", port=sim.port,
                              options={"utc_offset_s": 8 * 3600, "image_wait_s": 0.2})
        async with run_gateway([device], tmp_path) as h:
            await wait_for(lambda: sim.subscribers, 5, "attach subscriber")
            await asyncio.sleep(1.5)
            sim.generating = False
            expected = _violations(sim)
            assert expected
            items = await _settle(h, sim, len(expected))
            assert {str(i["raw_id"]) for i in items} == set(expected)
            for item in items:
                crossing = expected[str(item["raw_id"])][0]
                assert datetime.fromisoformat(str(item["time"])) == \
                    datetime.fromtimestamp(crossing.time, UTC)
                assert len(item["images"]) == 2  # type: ignore[arg-type]
            assert sim.snapshots >= 2 * len(expected)
    finally:
        await sim.close()


async def test_malformed_part_costs_one_part(tmp_path: Path) -> None:
    sim = DahuaItcSim(DahuaItcConfig(id="dh-bad", controller=CONTROLLER, seed=1,
                                     lanes=all_phase_lanes(0.0)))
    await sim.start()
    try:
        async with run_gateway([dahua_device("dh-bad", port=sim.port)], tmp_path) as h:
            await wait_for(lambda: sim.subscribers, 5, "attach subscriber")
            base = sim.start_time + 40

            def red(n: int) -> Crossing:
                return Crossing(seq=n, uuid=f"u{n}", time=base + n, lane=1, phase=1,
                                direction="approach", signal="red", plate=f"浙A0000{n}",
                                plate_color="blue", plate_type="02", vehicle_type="car",
                                vehicle_gat="K33", speed_kmh=30, speed_limit_kmh=50,
                                violation_code="1625")

            sim.send(red(1))
            sim.inject(b"--myboundary\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
                       b"Code=TrafficRunRedLight;data={broken\r\n")
            sim.inject(b"--myboundary\r\nContent-Type: text/plain\r\n\r\n"
                       b"Code=TrafficRunRedLight;action=Pulse;index=0;data={\"UTC\": 5}\r\n")
            sim.send(red(2))
            items = await _settle(h, sim, 2)
            assert sorted(str(i["plate"]["number"]) for i in items) == ["浙A00001", "浙A00002"]  # type: ignore[index]
            adapter = h.gateway.registry.get("dh-bad").adapter
            assert adapter.stream.counts["bad_part"] == 2  # type: ignore[attr-defined]

            async def degraded() -> bool:
                _, dev = await h.get("/api/v1/devices/dh-bad")
                return bool(dev["health"]["status"] == "degraded")

            await wait_for(degraded, 5, "degraded after skipped parts")
    finally:
        await sim.close()


async def test_wrong_password_is_auth_failed(tmp_path: Path) -> None:
    sim = DahuaItcSim(DahuaItcConfig(id="dh-auth", controller=CONTROLLER,
                                     lanes=all_phase_lanes(0.0)))
    await sim.start()
    try:
        device = dahua_device("dh-auth", port=sim.port,
                              credentials={"username": "admin", "password": "wrong"})
        async with run_gateway([device], tmp_path) as h:
            async def down() -> bool:
                _, dev = await h.get("/api/v1/devices/dh-auth")
                return bool(dev["health"]["reason"] == "auth_failed")

            await wait_for(down, 5, "auth_failed")
            assert sim.subscribers == 0
    finally:
        await sim.close()
