"""Run simulated GB/T 20999 controllers standalone (for benchmarks and manual poking).

    python -m simulators.gbt20999 --count 5               # TCP and UDP on each port
    python -m simulators.gbt20999 --count 2 --crc ccitt   # the CCITT CRC variant

Prints one JSON line {"host": ..., "devices": [{"id", "port"}]} once listening, then serves
until SIGINT/SIGTERM or until standard input closes (so a parent process can own it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Literal, cast

from simulators.engine.fleet import fleet_of
from simulators.gbt20999.controller import Gbt20999SimOptions, SimulatedGbt20999Controller

Transport = Literal["tcp", "udp", "both"]


async def serve(count: int, host: str, base_port: int, seed: int, crc: str,
                transport: Transport, watch_stdin: bool) -> None:
    options = Gbt20999SimOptions(crc_poly=0x1021, crc_init=0xFFFF) if crc == "ccitt" \
        else Gbt20999SimOptions()
    sims = [SimulatedGbt20999Controller(c, seed=seed + i, options=options, transport=transport)
            for i, c in enumerate(fleet_of(count, seed))]
    devices = []
    for i, sim in enumerate(sims):
        _, port = await sim.start(host, base_port + i if base_port else 0)
        devices.append({"id": sim.config.id, "port": port})
    print(json.dumps({"host": host, "devices": devices}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = None
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
    parser = argparse.ArgumentParser(prog="python -m simulators.gbt20999", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    parser.add_argument("--seed", type=int, default=20999)
    parser.add_argument("--crc", choices=("standard", "ccitt"), default="standard")
    parser.add_argument("--transport", choices=("tcp", "udp", "both"), default="both")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("simulators listen on loopback only (127.0.0.0/8)")
    asyncio.run(serve(args.count, args.host, args.base_port, args.seed, args.crc,
                      cast(Transport, args.transport), args.watch_stdin))


if __name__ == "__main__":
    main()
