"""Run simulated Hikvision ISAPI cameras standalone (for poking with curl or pyHik).

    python -m simulators.hikvision
    curl --digest -u admin:PASSWORD http://127.0.0.1:PORT/ISAPI/System/deviceInfo

Prints one JSON line {"host": ..., "devices": [{"id", "port", "username", "password"}]} once
listening, then serves until SIGINT/SIGTERM or until standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from simulators.hikvision.camera import SimulatedHikvision
from simulators.hikvision.demo import demo_hikvision


async def serve(host: str, base_port: int, password: str, watch_stdin: bool) -> None:
    sims = [SimulatedHikvision(config, password=password, quirks=quirks, seed=i)
            for i, (config, quirks) in enumerate(demo_hikvision())]
    devices = []
    for i, sim in enumerate(sims):
        _, port = await sim.start(host, base_port + i if base_port else 0)
        devices.append({"id": sim.config.id, "port": port, "username": "admin",
                        "password": password})
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
    parser = argparse.ArgumentParser(prog="python -m simulators.hikvision", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    parser.add_argument("--password", default="hik-sim-12345")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    args = parser.parse_args()
    if not args.host.startswith("127."):
        parser.error("simulators listen on loopback only (127.0.0.0/8)")
    asyncio.run(serve(args.host, args.base_port, args.password, args.watch_stdin))


if __name__ == "__main__":
    main()
