"""Gateway <-> simulated NTCIP controllers over UDP on 127.0.0.1, through the real REST API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulators.engine.fleet import demo_fleet
from tests.harness import VIEWER_TOKEN, device_entry, run_gateway, start_sims, wait_for


async def test_fleet_state_health_and_listing(tmp_path: Path) -> None:
    configs = demo_fleet()
    async with start_sims(configs) as sims, \
            run_gateway([device_entry(s) for s in sims], tmp_path) as h:
        async def all_up() -> bool:
            _, body = await h.get("/api/v1/devices")
            return all(d["health"]["status"] == "up" for d in body["items"])

        await wait_for(all_up, what="every controller up")
        status, body = await h.get("/api/v1/devices")
        assert status == 200 and body["next"] is None
        assert [d["id"] for d in body["items"]] == [c.id for c in configs]
        for item in body["items"]:
            assert item["kind"] == "signal_controller" and item["adapter"] == "ntcip"
            assert item["vendor"] == "Generic" and item["model"] == "NTCIP 1202 ASC"
            assert item["identity"]["vendor"]  # module table make
            assert "credentials" not in item

        by_id = {c.id: c for c in configs}
        for sim in sims:
            status, state = await h.get(f"/api/v1/devices/{sim.config.id}/state")
            assert status == 200, state
            engine = sim.engine
            assert len(state["phases"]) == engine.max_phases
            assert state["device"] == sim.config.id and state["age_s"] < 2
            local = by_id[sim.config.id].local_pattern
            mode = state["control"]["mode"]
            if local == 255:
                assert mode == "flash"
                yellow = set(by_id[sim.config.id].flash_yellow_phases)
                for p in state["phases"]:
                    expected = "yellow_flash" if p["number"] in yellow else "red_flash"
                    assert p["vehicle"] == expected, (p, yellow)
            elif local == 254:
                assert mode == "free" and state["control"]["pattern"] is None
            else:
                assert mode == "coordinated" and state["control"]["pattern"] == local
                pattern = by_id[sim.config.id].pattern(local)
                assert pattern is not None
                assert state["cycle"]["length_s"] == pattern.cycle_s
                assert 0 <= state["cycle"]["position_s"] < pattern.cycle_s
                greens = [p["number"] for p in state["phases"] if p["vehicle"] == "green"]
                assert len(greens) <= 2
            assert state["control"]["source"] == "time_of_day"
            assert abs(state["clock_offset_s"]) <= 1.5 and state["device_time"]


async def test_detector_fault_shows_as_detector_and_alarm(tmp_path: Path) -> None:
    configs = [c for c in demo_fleet() if c.detector_faults]
    assert configs, "the demo fleet must have a controller with a detector fault"
    async with start_sims(configs) as sims, \
            run_gateway([device_entry(s) for s in sims], tmp_path) as h:
        cid = configs[0].id

        async def state() -> Any:
            status, body = await h.get(f"/api/v1/devices/{cid}/state")
            return body if status == 200 else None

        body = await wait_for(state, what="state")
        faulty = {d["number"] for d in body["detectors"] if d["fault"]}
        assert faulty == set(configs[0].detector_faults)
        assert "detector_fault" in {a["code"] for a in body["alarms"]}


async def test_auth_and_unknown_device(tmp_path: Path) -> None:
    async with start_sims(demo_fleet()[:1]) as sims, \
            run_gateway([device_entry(s) for s in sims], tmp_path,
                        anonymous_read=False) as h:
        status, body = await h.get("/api/v1/devices")
        assert status == 401 and body["error"] == "unauthorized"
        status, body = await h.get("/api/v1/devices",
                                   headers={"Authorization": f"Bearer {VIEWER_TOKEN}"})
        assert status == 200
        status, body = await h.get("/api/v1/devices/nope", headers=h.op())
        assert status == 404 and body["error"] == "not_found"
        status, body = await h.get("/api/v1/devices?limit=abc", headers=h.op())
        assert status == 422 and "limit" in body["message"]
        status, _ = await h.get("/healthz")
        assert status == 200


async def test_state_body_is_the_cached_state_with_its_freshness(tmp_path: Path) -> None:
    """GET .../state splices device, age_s, health and stale in front of the cached state
    rendered by pydantic: the rest must be exactly the state, as JSON."""
    configs = demo_fleet()[:2]
    async with start_sims(configs) as sims, \
            run_gateway([device_entry(s) for s in sims], tmp_path) as h:
        rt = h.gateway.registry.get(configs[0].id)
        await wait_for(lambda: rt.health.status.value == "up", what="controller up")
        for _ in range(20):  # a poll may land between the request and the read below
            status, body = await h.get(f"/api/v1/devices/{rt.id}/state")
            assert status == 200 and rt.state is not None
            cached = rt.state.model_dump(mode="json")
            if body["received_at"] == cached["received_at"]:
                break
        fresh = {key: body.pop(key) for key in ("device", "age_s", "health", "stale")}
        assert body == cached
        assert fresh["device"] == rt.id and 0 <= fresh["age_s"] < 2
        assert fresh["health"] == "up" and fresh["stale"] is False
