"""Polling benchmark: N simulated Modbus TCP controllers (another process) polled by the gateway.

    python bench/poll_modbus.py --controllers 500 --seconds 30
    python bench/poll_modbus.py --controllers 100 --profile modbus/vendor-quirks

Prints one JSON line: polls/s achieved vs scheduled, p50/p99 state staleness (age of each
device's cached state, sampled every 0.5 s), gateway CPU per poll and per 1,000 polls, Modbus
requests per poll, gateway RSS, simulator CPU, error counts. The simulators run in a child
process (`python -m simulators.modbus --watch-stdin`) so the gateway's CPU is measured alone
(on a 2-core machine they still share the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from typing import Any

from benchlib import emit, make_gateway, measure_polling, run, simulators


async def bench(n: int, seconds: float, interval: float, warmup: float,
                profile: str) -> dict[str, Any]:
    with simulators(n, "simulators.modbus", "--profile", profile) as (sim, fleet), \
            tempfile.TemporaryDirectory() as tmp:
        gw = make_gateway(fleet, n, interval, tmp, adapter="modbus", device=lambda d: {
            "profile": d["profile"], "options": {"plans": d["plans"]}})
        await gw.start()
        try:
            await asyncio.sleep(warmup)
            result = await measure_polling(gw, sim.pid, n, interval, seconds)
            first = next(iter(gw.registry)).adapter
            requests = len(first._map.poll_blocks)  # type: ignore[attr-defined]
        finally:
            await gw.stop()
    cpu_ms = result["gateway_cpu_s_per_1000_polls"]  # s per 1,000 = ms per poll
    return {"bench": "poll_modbus", "profile": profile} | result | {
        "modbus_requests_per_poll": requests, "gateway_cpu_ms_per_poll": cpu_ms}



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--controllers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--profile", default="modbus/tsc-modbus")
    args = parser.parse_args()
    emit(run(lambda: bench(args.controllers, args.seconds, args.interval, args.warmup,
                             args.profile)))


if __name__ == "__main__":
    main()
