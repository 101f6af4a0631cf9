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
import tempfile
from typing import Any

from benchlib import emit, make_gateway, measure_polling, run, simulators


async def bench(n: int, seconds: float, interval: float, warmup: float) -> dict[str, Any]:
    with simulators(n) as (sim, fleet), tempfile.TemporaryDirectory() as tmp:
        gw = make_gateway(fleet, n, interval, tmp)
        await gw.start()
        try:
            await asyncio.sleep(warmup)
            return {"bench": "poll_ntcip"} | await measure_polling(gw, sim.pid, n, interval,
                                                                   seconds)
        finally:
            await gw.stop()



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--controllers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    emit(run(lambda: bench(args.controllers, args.seconds, args.interval, args.warmup)))


if __name__ == "__main__":
    main()
