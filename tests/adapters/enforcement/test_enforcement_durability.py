"""kill -9 the gateway while a camera pushes ~200 records/s, restart it on the same store: every
record the camera saw acknowledged is stored exactly once with intact images (sha256), and the
camera's retries of the unacknowledged ones are stored exactly once too."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from simulators.enforcement.hik_camera import HikvisionItcSim, ItcConfig
from simulators.enforcement.hik_payload import HikQuirks
from tests.adapters.enforcement.enf_harness import all_violations, free_port, hik_device
from tests.adapters.enforcement.enf_sims import CONTROLLER, all_phase_lanes

REPO = Path(__file__).resolve().parents[3]


async def start_gateway(config: Path, log: Path) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.adapters.enforcement.gateway_runner", str(config),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=log.open("ab"))
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(20):
            while True:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise AssertionError(f"gateway exited: {log.read_text()[-2000:]}")
                if line.startswith("READY"):
                    return proc, int(line.split()[1])
    except BaseException:
        proc.kill()
        await proc.wait()
        raise


async def fetch_images(http: aiohttp.ClientSession, base: str,
                       items: list[dict[str, Any]]) -> dict[str, list[bytes]]:
    sem = asyncio.Semaphore(16)

    async def one(item: dict[str, Any]) -> tuple[str, list[bytes]]:
        out = []
        async with sem:
            for n in range(len(item["images"])):
                async with http.get(f"{base}/api/v1/violations/{item['id']}/images/{n}") as r:
                    assert r.status == 200
                    out.append(await r.read())
        return item["raw_id"], out

    return dict(await asyncio.gather(*(one(i) for i in items)))


async def test_kill_9_mid_push_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    import hashlib

    listen, api_port = free_port(), free_port()
    device = hik_device("itc-load", listen_port=listen, device_id="ITC-LOAD",
                        options={"probe": False, "liveness_s": 60},
                        poll={"interval_s": 0.5, "timeout_s": 1.0})
    config = tmp_path / "junction.yaml"
    config.write_text(yaml.safe_dump({
        "api": {"host": "127.0.0.1", "port": api_port},
        "auth": {"anonymous_read": True}, "store": {"path": str(tmp_path / "junction.db")},
        "devices": [device]}, allow_unicode=True))
    log = tmp_path / "gateway.log"
    sim = HikvisionItcSim(ItcConfig(
        id="ITC-LOAD", controller=CONTROLLER, lanes=all_phase_lanes(25.0, run_red_p=1.0),
        push_url=f"http://127.0.0.1:{listen}/ISAPI/alarm", max_in_flight=16, seed=11,
        quirks=HikQuirks(image_bytes=8_000)))
    proc, _ = await start_gateway(config, log)
    await sim.start()
    pusher = sim.pusher
    assert pusher is not None
    try:
        deadline = time.monotonic() + 15
        while len(pusher.acked) < 300:  # ~1.5 s of acknowledged traffic
            assert time.monotonic() < deadline, "no acks"
            await asyncio.sleep(0.05)
        in_flight_at_kill = pusher.pending  # pushes sent, not yet answered, as the kill lands
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        acked_before_kill = set(pusher.acked)
        in_flight_at_kill = max(in_flight_at_kill, pusher.pending)
        await asyncio.sleep(1.0)  # the camera keeps producing; pushes fail and are retried
        proc, _ = await start_gateway(config, log)
        await asyncio.sleep(1.0)
        sim.generating = False
        assert await pusher.drain(60), f"{pusher.pending} pushes never acknowledged"
        assert not pusher.refused, {u: j.statuses for u, j in pusher.refused.items()}
        assert in_flight_at_kill > 0  # the kill really landed mid-flight

        base = f"http://127.0.0.1:{api_port}"
        async with aiohttp.ClientSession() as http:
            items = await all_violations(http, base)
            raw_ids = [i["raw_id"] for i in items]
            assert len(raw_ids) == len(set(raw_ids)), "a record was stored twice"
            violations = {u: j for u, j in pusher.acked.items() if j.crossing.is_violation}
            assert set(raw_ids) == set(violations)  # all acked, nothing else
            assert {u for u in acked_before_kill if u in violations} <= set(raw_ids)
            images = await fetch_images(http, base, items)
        for raw_id, job in violations.items():
            got = [hashlib.sha256(b).hexdigest() for b in images[raw_id]]
            assert got == list(job.image_sha256), raw_id
        assert len(violations) > 300 and pusher.statuses[0] > 0  # refused while it was dead
        print(f"pushed {pusher.submitted} ({len(violations)} violations), acked before kill "
              f"{len(acked_before_kill)}, in flight at kill {in_flight_at_kill}, statuses "
              f"{dict(pusher.statuses)}")
    finally:
        await sim.close()
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await proc.wait()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
