"""SSE event stream, Prometheus exposition (checked by promtool), and secrecy of credentials."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from simulators.engine.fleet import demo_fleet
from tests.harness import device_entry, run_gateway, start_sims, wait_for

SECRET = "s3cret-community-9f8e7d"


async def test_sse_streams_phase_changes_and_device_down(tmp_path: Path) -> None:
    configs = demo_fleet()[:2]
    async with start_sims(configs, community=SECRET) as sims, \
            run_gateway([device_entry(s, community=SECRET) for s in sims], tmp_path) as h:
        seen: list[dict[str, object]] = []

        async def read_stream() -> None:
            async with h.http.get(f"{h.base}/api/v1/events/stream") as resp:
                assert resp.headers["Content-Type"].startswith("text/event-stream")
                async for raw in resp.content:
                    line = raw.decode().strip()
                    if line.startswith("data: "):
                        seen.append(json.loads(line[6:]))

        task = asyncio.create_task(read_stream())
        try:
            await wait_for(lambda: any(e["type"] == "signal.phase_changed" for e in seen),
                           timeout_s=15, what="a phase change")
            change = next(e for e in seen if e["type"] == "signal.phase_changed")
            assert change["hires_code"] in (1, 8, 10, None)
            sims[1].faults.silent = True
            await wait_for(lambda: any(e["type"] == "device.down" and
                                       e["device"] == configs[1].id for e in seen),
                           what="device.down on the stream")
        finally:
            task.cancel()
        ids = [e["id"] for e in seen]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)

        # a client that reconnects with Last-Event-ID gets what it missed, in order
        replay: list[int] = []
        async with h.http.get(f"{h.base}/api/v1/events/stream",
                              headers={"Last-Event-ID": str(ids[2])}) as resp:
            async for raw in resp.content:
                line = raw.decode().strip()
                if line.startswith("id: "):
                    replay.append(int(line[4:]))
                if len(replay) >= 3:
                    break
        assert replay == [ids[2] + 1, ids[2] + 2, ids[2] + 3]


async def test_metrics_pass_promtool_and_secrets_never_leak(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    configs = demo_fleet()[:3]
    async with start_sims(configs, community=SECRET) as sims, \
            run_gateway([device_entry(s, community=SECRET) for s in sims], tmp_path) as h:
        sims[2].faults.silent = True
        await wait_for(lambda: h.gateway.registry.get(configs[0].id).health.status.value == "up",
                       what="up")
        await wait_for(lambda: h.gateway.registry.get(configs[2].id).health.status.value ==
                       "down", what="down")
        status, text = await h.get("/metrics")
        assert status == 200
        for name in ("junction_device_up", "junction_device_uptime_seconds",
                     "junction_device_last_seen_timestamp_seconds",
                     "junction_device_poll_duration_seconds_bucket",
                     "junction_device_poll_errors_total"):
            assert name in text, name
        assert f'junction_device_up{{device="{configs[0].id}",kind="signal_controller"' in text
        assert f'device="{configs[2].id}"' in text
        assert 'reason="timeout"' in text
        promtool = shutil.which("promtool")
        if promtool is not None:  # scripts/test.sh installs it; CI always has it
            result = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                                    capture_output=True, timeout=30, check=False)
            assert result.returncode == 0, result.stdout + result.stderr

        bodies = [text]
        for path in ("/api/v1/devices", f"/api/v1/devices/{configs[0].id}",
                     f"/api/v1/devices/{configs[0].id}/diagnostics",
                     f"/api/v1/devices/{configs[2].id}/diagnostics", "/openapi.json",
                     "/api/v1/events"):
            _, body = await h.get(path)
            bodies.append(json.dumps(body))
        status, body = await h.command(configs[0].id, "set_pattern", {"pattern": 2})
        bodies.append(json.dumps(body))
        _, audit = await h.get("/api/v1/audit", headers=h.op())
        bodies.append(json.dumps(audit))
    for body in bodies:
        assert SECRET not in body
    assert SECRET not in caplog.text
    db = (tmp_path / "junction.db").read_bytes()
    assert SECRET.encode() not in db


async def test_sse_client_gone_is_unsubscribed_and_resume_after_restart(tmp_path: Path) -> None:
    configs = demo_fleet()[:4]
    async with start_sims(configs) as sims:
        async with run_gateway([device_entry(s) for s in sims], tmp_path) as h:
            resp = await h.http.get(f"{h.base}/api/v1/events/stream")
            await wait_for(lambda: h.gateway.bus.subscriber_count == 1, what="subscribed")
            resp.close()
            await wait_for(lambda: h.gateway.bus.subscriber_count == 0, timeout_s=5,
                           what="a gone client unsubscribed")
            await wait_for(lambda: h.gateway.bus.last_id >= 8, timeout_s=30, what="some events")
            last = h.gateway.bus.last_id
        # a new gateway process on the same store: a client resumes from an old id
        async with run_gateway([device_entry(s) for s in sims], tmp_path) as h2:
            ids: list[int] = []
            async with h2.http.get(f"{h2.base}/api/v1/events/stream",
                                   headers={"Last-Event-ID": str(last - 3)}) as resp:
                async for raw in resp.content:
                    line = raw.decode().strip()
                    if line.startswith("id: "):
                        ids.append(int(line[4:]))
                    if len(ids) >= 4:
                        break
            assert ids[:3] == [last - 2, last - 1, last]
            assert ids[3] > last
