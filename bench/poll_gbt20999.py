"""Polling benchmark: N simulated GB/T 20999 controllers (another process) polled by the
gateway.

    python bench/poll_gbt20999.py --controllers 500 --seconds 30 --transport tcp

Each controller has its own TCP connection (or UDP socket) and answers one query frame of 14
data values per poll; it also sends active reports on every stage change, which the gateway
receives and counts (`reports_received`).

Prints one JSON line: polls/s achieved vs scheduled, p50/p99 state staleness (age of each
device's cached state, sampled every 0.5 s), gateway CPU seconds per 1,000 polls, gateway RSS,
simulator CPU, error counts. The simulators run in a child process so the gateway's CPU is
measured alone (on a 2-core machine they still share the machine).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from typing import Any

from benchlib import emit, make_gateway, measure_polling, run, simulators

from gateway.model import SignalControllerState


async def bench(n: int, seconds: float, interval: float, warmup: float,
                transport: str) -> dict[str, Any]:
    with simulators(n, "simulators.gbt20999", "--transport", transport) as (sim, fleet), \
            tempfile.TemporaryDirectory() as tmp:
        gw = make_gateway(fleet, n, interval, tmp, adapter="gbt20999", device=lambda d: {
            "profile": "gbt20999/standard", "options": {"transport": transport}})
        await gw.start()
        try:
            await asyncio.sleep(warmup)
            result = await measure_polling(gw, sim.pid, n, interval, seconds)
            reports = sum(int(rt.state.control.native.get("reports", 0))
                          for rt in gw.registry if isinstance(rt.state, SignalControllerState))
        finally:
            await gw.stop()
    return {"bench": "poll_gbt20999", "transport": transport} | result | {
        "reports_received": reports}



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--controllers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--transport", choices=("tcp", "udp"), default="tcp")
    args = parser.parse_args()
    emit(run(lambda: bench(args.controllers, args.seconds, args.interval, args.warmup,
                             args.transport)))


if __name__ == "__main__":
    main()
