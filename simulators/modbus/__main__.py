"""Run simulated Modbus TCP controllers standalone (for benchmarks and for poking with mbpoll).

    python -m simulators.modbus --count 5                        # TSC-Modbus map
    python -m simulators.modbus --count 4 --profile modbus/vendor-quirks
    mbpoll -m tcp -a 1 -r 1 -c 20 -t 3 -1 -p PORT 127.0.0.1     # input registers 0-19

Prints one JSON line {"host": ..., "devices": [{"id", "port", "profile", "unit_id",
"plans"}]} once listening, then serves until SIGINT/SIGTERM or until standard input closes
(so a parent process can own it).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import signal
import sys

from simulators.engine.fleet import fleet_of
from simulators.modbus.controller import SimulatedModbusController
from simulators.modbus.demo import plans_of


async def serve(count: int, host: str, base_port: int, profile: str, seed: int,
                watch_stdin: bool) -> None:
    configs = [dataclasses.replace(c, id=f"mb-{i:05d}")
               for i, c in enumerate(fleet_of(count, seed))]
    sims = [SimulatedModbusController(c, profile=profile, seed=seed + i)
            for i, c in enumerate(configs)]
    devices = []
    for i, sim in enumerate(sims):
        _, port = await sim.start(host, base_port + i if base_port else 0)
        devices.append({"id": sim.config.id, "port": port, "profile": profile,
                        "unit_id": sim.map.unit_id, "plans": plans_of(sim.config)})
    print(json.dumps({"host": host, "devices": devices}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher: asyncio.Task[None] | None = None
    if watch_stdin:
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def watch() -> None:
            await reader.read()
            stop.set()

        watcher = asyncio.create_task(watch())
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
    for sim in sims:
        await sim.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators.modbus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    parser.add_argument("--profile", default="modbus/tsc-modbus")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("simulators listen on loopback only (127.0.0.0/8)")
    asyncio.run(serve(args.count, args.host, args.base_port, args.profile, args.seed,
                      args.watch_stdin))


if __name__ == "__main__":
    main()
