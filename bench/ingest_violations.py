"""Violation ingest benchmark: a Hikvision ITC camera pushing to the gateway's receiver.

    python bench/ingest_violations.py --seconds 10 --rate 200 --image-kb 200

The gateway (the real one: push receiver, ingest, SQLite synchronous=FULL, content-addressed
evidence files with fsync) runs in a child process so its CPU is measured alone; the camera
side (this process) pushes multipart records with 3 JPEG images of `--image-kb` KB each
(2 overview + plate close-up), every image unique. Two runs:
- `max`: as fast as `--in-flight` concurrent pushes go: durable records/s;
- `paced`: `--rate` records/s offered for `--seconds`: achieved rate and ack latency
  (p50/p99/max, from POST start to the 200, which is sent only after the commit).
Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.adapters import AdapterCatalog
from gateway.config import load_config
from gateway.runner import serve_until_signal
from gateway.service import Gateway
from simulators.enforcement import hik_payload as P
from simulators.enforcement.hik_push import Pusher, PushJob
from simulators.enforcement.traffic import Crossing


def catalog() -> AdapterCatalog:
    """The discovered adapters, plus hikvision_itc if its entry point is not declared yet."""
    found = AdapterCatalog.discover()
    if found.get("hikvision_itc") is None:
        from adapters.hikvision_itc.adapter import HikvisionItcAdapter
        found = AdapterCatalog({**dict(found.items()), "hikvision_itc": HikvisionItcAdapter},
                               found.broken)
    return found


def serve(config: str) -> None:
    """Child process: the gateway."""
    cat = catalog()
    loaded = load_config(config, cat)
    api = loaded.config.api

    def ready(port: int, _nb: object) -> None:
        print(f"READY {port}", flush=True)

    asyncio.run(serve_until_signal(Gateway(loaded, cat), api.host, api.port, on_ready=ready))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else -1.0


def jobs(count: int, start: int, image_kb: int) -> list[PushJob]:
    quirks = P.HikQuirks(image_bytes=image_kb * 1000, overview_images=2)
    out = []
    base = time.time()
    for n in range(start, start + count):
        c = Crossing(seq=n, uuid=f"bench-{os.getpid()}-{n}", time=base + n / 1000, lane=1 + n % 4,
                     phase=2, direction="approach", signal="red", plate=f"苏A{n % 100000:05d}",
                     plate_color="blue", plate_type="02", vehicle_type="car", vehicle_gat="K33",
                     speed_kmh=40, speed_limit_kmh=50, violation_code="1625")
        ev = P.evidence_for(c, "ITC-BENCH", quirks)
        tree = P.alert_tree(c, ev, device_id="ITC-BENCH", ip="127.0.0.1", mac="44:19:b6:00:00:99",
                            q=quirks)
        body, ctype = P.multipart_body(P.alert_xml(tree, quirks), "xml", ev)
        out.append(PushJob.build(c, body, ctype, ev.images))
    return out


async def run(args: argparse.Namespace) -> None:
    listen, api_port = free_port(), free_port()
    tmp = Path(tempfile.mkdtemp(prefix="junction-bench-ingest-"))
    config = tmp / "junction.yaml"
    config.write_text(json.dumps({
        "api": {"host": "127.0.0.1", "port": api_port}, "auth": {"anonymous_read": True},
        "store": {"path": str(tmp / "junction.db")},
        "devices": [{"id": "itc-bench", "kind": "enforcement_camera", "adapter": "hikvision_itc",
                     "endpoint": {"host": "127.0.0.1", "port": 80},
                     "poll": {"interval_s": 1.0, "timeout_s": 0.5},
                     "options": {"listen_host": "127.0.0.1", "listen_port": listen,
                                 "device_id": "ITC-BENCH", "probe": False,
                                 "liveness_s": 3600}}]}))  # JSON is YAML
    child = os.environ.get("BENCH_CHILD", __file__).split()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *child, "--serve", str(config), stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode()
    assert line.startswith("READY"), line
    url = f"http://127.0.0.1:{listen}/ISAPI/alarm"
    common = {"bench": "ingest_violations", "images_per_record": 3,
              "image_kb": args.image_kb, "store": "sqlite synchronous=FULL + fsync'd files"}
    try:
        await asyncio.sleep(1.5)  # the device opens (registers its route) on its first poll
        warm = Pusher(url, max_in_flight=4)
        await warm.start()
        for job in jobs(20, 0, args.image_kb):
            warm.submit(job)
        await warm.drain(30)
        await warm.close()

        # max: as fast as the concurrency allows
        batch = jobs(args.max_records, 1000, args.image_kb)
        pusher = Pusher(url, max_in_flight=args.in_flight)
        await pusher.start()
        cpu0, t0, own0 = cpu_of(proc.pid), time.perf_counter(), cpu_of(os.getpid())
        for job in batch:
            pusher.submit(job)
        await pusher.drain(300)
        elapsed = time.perf_counter() - t0
        cpu = cpu_of(proc.pid) - cpu0
        own = cpu_of(os.getpid()) - own0
        await pusher.close()
        print(json.dumps({**common, "mode": "max", "in_flight": args.in_flight,
                          "records": len(pusher.acked),
                          "records_per_s": round(len(pusher.acked) / elapsed, 1),
                          "mb_per_s": round(len(pusher.acked) * 3 * args.image_kb / 1000 /
                                            elapsed, 1),
                          "p50_ack_ms": round(percentile(pusher.latencies_ms, 0.5), 2),
                          "p99_ack_ms": round(percentile(pusher.latencies_ms, 0.99), 2),
                          "gateway_cpu_ms_per_record": round(cpu * 1000 /
                                                             max(1, len(pusher.acked)), 2),
                          "gateway_cores_busy": round(cpu / elapsed, 2),
                          "camera_side_cores_busy": round(own / elapsed, 2),
                          "errors": {str(k): v for k, v in pusher.statuses.items()
                                     if k != 200}}), flush=True)

        # paced: the target rate, steady
        total = int(args.rate * args.seconds)
        paced = jobs(total, 100_000, args.image_kb)
        pusher = Pusher(url, max_in_flight=args.in_flight)
        await pusher.start()
        cpu0, t0 = cpu_of(proc.pid), time.perf_counter()
        for n, job in enumerate(paced):
            due = t0 + n / args.rate
            if (wait := due - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            pusher.submit(job)
        await pusher.drain(300)
        elapsed = time.perf_counter() - t0
        cpu = cpu_of(proc.pid) - cpu0
        await pusher.close()
        lat = pusher.latencies_ms
        print(json.dumps({**common, "mode": "paced", "target_records_per_s": args.rate,
                          "seconds": args.seconds, "records": len(pusher.acked),
                          "records_per_s": round(len(pusher.acked) / elapsed, 1),
                          "p50_ack_ms": round(percentile(lat, 0.5), 2),
                          "p99_ack_ms": round(percentile(lat, 0.99), 2),
                          "max_ack_ms": round(max(lat, default=-1.0), 2),
                          "gateway_cpu_ms_per_record": round(cpu * 1000 / max(1, len(lat)), 2),
                          "errors": {str(k): v for k, v in pusher.statuses.items()
                                     if k != 200}}), flush=True)
    finally:
        proc.terminate()
        await proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)  # ~2 GB of evidence per run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="paced records/s")
    parser.add_argument("--image-kb", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--max-records", type=int, default=1500)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
