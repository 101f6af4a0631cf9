"""Run simulated NTCIP controllers standalone (for benchmarks and for poking with snmpwalk).

    python -m simulators.ntcip --count 5            # demo fleet first, then generated ones
    snmpwalk -v1 -c public 127.0.0.1:PORT 1.3.6.1.4.1.1206.4.2.1

Prints one JSON line {"host": ..., "devices": [{"id", "port"}]} once listening, then serves
until SIGINT/SIGTERM or until standard input closes (so a parent process can own it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from simulators.engine.fleet import demo_fleet, fleet_of
from simulators.ntcip.controller import SimulatedController


async def serve(count: int, host: str, base_port: int, community: str, seed: int,
                watch_stdin: bool) -> None:
    configs = demo_fleet()[:count] if count <= len(demo_fleet()) else fleet_of(count, seed)
    sims = [SimulatedController(c, community=community, seed=seed + i)
            for i, c in enumerate(configs)]
    devices = []
    for i, sim in enumerate(sims):
        _, port = await sim.start(host, base_port + i if base_port else 0)
        devices.append({"id": sim.config.id, "port": port})
    print(json.dumps({"host": host, "devices": devices}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if watch_stdin:
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def watch() -> None:
            await reader.read()
            stop.set()

        watcher = asyncio.create_task(watch())
    await stop.wait()
    if watch_stdin:
        watcher.cancel()
    for sim in sims:
        await sim.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.ntcip", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    parser.add_argument("--community", default="public")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("simulators listen on loopback only (127.0.0.0/8)")
    asyncio.run(serve(args.count, args.host, args.base_port, args.community, args.seed,
                      args.watch_stdin))


if __name__ == "__main__":
    main()
