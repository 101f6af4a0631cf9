"""Polling benchmark: N simulated NTCIP controllers (another process) polled by the gateway.

    python bench/poll_ntcip.py --controllers 2000 --seconds 30

Prints one JSON line: polls/s achieved vs scheduled, p50/p99 state staleness (age of each
device's cached state, sampled every 0.5 s), gateway CPU seconds per 1,000 polls, gateway RSS,
simulator CPU, error counts. The simulators run in a child process so the gateway's CPU is
measured alone (on a 2-core machine they still share the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchlib import cpu_of, percentile, rss_mb, sample_staleness

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.service import Gateway
from gateway.yamlsource import Located


async def bench(n: int, seconds: float, interval: float, warmup: float) -> dict[str, object]:
    sim = subprocess.Popen([sys.executable, "-m", "simulators.ntcip", "--count", str(n),
                            "--watch-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           cwd=Path(__file__).resolve().parent.parent)
    try:
        assert sim.stdout is not None
        fleet = json.loads(sim.stdout.readline())
        devices = [{"id": d["id"], "kind": "signal_controller", "adapter": "ntcip",
                    "endpoint": {"host": fleet["host"], "port": d["port"]},
                    "poll": {"interval_s": interval, "timeout_s": min(0.8, interval)}}
                   for d in fleet["devices"]]
        with tempfile.TemporaryDirectory() as tmp:
            raw = {"store": {"path": f"{tmp}/bench.db"}, "devices": devices}
            catalog = AdapterCatalog.discover()
            loaded = validate_config(Located(raw, {}, "<bench>"), catalog, Path(tmp))
            gw = Gateway(loaded, catalog, seed=0)
            await gw.start()
            try:
                await asyncio.sleep(warmup)
                ok_before = sum(1 for rt in gw.registry if rt.state is not None)
                polls0, cpu0, sim_cpu0 = gw.scheduler.polls, time.process_time(), cpu_of(sim.pid)
                errors0 = sum(sum(rt.diagnostics.errors_by_reason.values())
                              for rt in gw.registry)
                t0 = time.monotonic()
                ages, never = await sample_staleness(gw, seconds)
                elapsed = time.monotonic() - t0
                polls = gw.scheduler.polls - polls0
                cpu = time.process_time() - cpu0
                sim_cpu = cpu_of(sim.pid) - sim_cpu0
                errors = sum(sum(rt.diagnostics.errors_by_reason.values())
                             for rt in gw.registry) - errors0
                reasons: dict[str, int] = {}
                for rt in gw.registry:
                    for reason, count in rt.diagnostics.errors_by_reason.items():
                        reasons[reason] = reasons.get(reason, 0) + count
                up = sum(1 for rt in gw.registry if rt.health.status.value == "up")
            finally:
                await gw.stop()
    finally:
        sim.stdin.close()  # type: ignore[union-attr]
        sim.wait(timeout=30)
    return {
        "bench": "poll_ntcip", "controllers": n, "interval_s": interval,
        "seconds": round(elapsed, 2),
        "polls_per_s": round(polls / elapsed, 1),
        "scheduled_polls_per_s": round(n / interval, 1),
        "errors_in_window": errors, "errors_by_reason_total": reasons,
        "devices_up": up, "devices_with_state_after_warmup": ok_before,
        "samples_without_state": never,
        "staleness_p50_s": round(percentile(ages, 0.5), 3),
        "staleness_p99_s": round(percentile(ages, 0.99), 3),
        "gateway_cpu_s_per_1000_polls": round(cpu / max(polls, 1) * 1000, 3),
        "gateway_cpu_cores": round(cpu / elapsed, 3),
        "simulator_cpu_cores": round(sim_cpu / elapsed, 3),
        "gateway_rss_mb": round(rss_mb(), 1),
        "overruns": gw.scheduler.overruns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--controllers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    result = asyncio.run(bench(args.controllers, args.seconds, args.interval, args.warmup))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
