"""Running simulators as a standalone process: the part every `python -m simulators.X` shares.

A benchmark or a test starts simulators in a child process, reads one JSON line describing the
devices, and owns the child through its standard input: when the parent goes away (stdin
closes) or sends SIGINT/SIGTERM, every simulator is closed and the process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

__all__ = ["Startable", "parser", "checked", "serve"]


class Startable(Protocol):
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]: ...

    async def close(self) -> None: ...


def parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """The common options: --host (loopback only), --base-port, --watch-stdin."""
    p = argparse.ArgumentParser(prog=prog, description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--base-port", type=int, default=0, help="0: any free ports")
    p.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes")
    return p


def checked(p: argparse.ArgumentParser) -> argparse.Namespace:
    args = p.parse_args()
    if not args.host.startswith("127."):
        p.error("simulators listen on loopback only (127.0.0.0/8)")
    return args


async def serve(sims: Sequence[Startable], args: argparse.Namespace,
                describe: Callable[[Any, int], dict[str, Any]]) -> None:
    """Start every simulator, print {"host", "devices": [describe(sim, port) ...]}, serve until
    a signal or the end of standard input, then close them all."""
    devices = []
    for i, sim in enumerate(sims):
        _, port = await sim.start(args.host, args.base_port + i if args.base_port else 0)
        devices.append(describe(sim, port))
    # Thousands of devices are millions of objects that live as long as the process; a full
    # collection walking them stalls the loop for seconds (6 s at 5,000 NTCIP controllers, so
    # every request in flight times out). Freezing keeps them out of the collector's sight.
    gc.freeze()
    print(json.dumps({"host": args.host, "devices": devices}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher: asyncio.Task[None] | None = None
    if args.watch_stdin:
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def watch() -> None:
            await reader.read()
            stop.set()

        watcher = asyncio.create_task(watch())
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        for sim in sims:
            await sim.close()
